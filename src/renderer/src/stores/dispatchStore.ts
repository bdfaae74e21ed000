import { create } from 'zustand';
import type { EventPayload } from '../../../shared/contract';
import { api } from '../lib/api';
import type { UnitSuggestion } from '../../../shared/contract/dispatch';
import { frameBatch } from '../lib/frameBatch';
import { scopedHook } from './dispatchScope';
import {
  toHospital,
  toIncident,
  toRequest,
  toUnit,
  withLocation,
  type HospitalView,
  type IncidentView,
  type RequestView,
  type UnitView
} from './dispatchModel';

export interface DispatchState {
  units: Map<string, UnitView>;
  incidents: Map<string, IncidentView>;
  hospitals: Map<string, HospitalView>;
  /** Ambulance requests still open or recently settled (the map shows where patients are). */
  requests: Map<string, RequestView>;
  metrics: Record<string, number>;
  /** Unit ids changed by the last applied batch (the map moves only those). */
  changedUnits: readonly string[];
  available: boolean;
  error: string | null;
  selected: { kind: 'unit' | 'incident' | 'hospital' | 'request'; id: string } | null;
  /** Bumped when a list or the command line asks the map to centre on the selection. */
  centerRequest: number;
  /** The core's suggestions (run card, then distance) per incident, fetched when the incident is looked at. */
  suggestions: Record<string, { units: UnitSuggestion[]; at: number; error: string | null }>;
  followUnitId: string | null;
  /** Assignments queued for the CAD and not yet confirmed, by incident id. */
  pendingAssignments: Record<string, { unitId: string; sentAt: number; error: string | null }>;
  load(): Promise<void>;
  select(selection: DispatchState['selected'], options?: { center?: boolean }): void;
  loadSuggestions(incidentId: string): Promise<void>;
  follow(unitId: string | null): void;
  assign(incidentId: string, unitId: string): Promise<string | null>;
  applyUnits(units: UnitView[], removed?: readonly string[]): void;
  applyIncidents(incidents: IncidentView[], removed?: readonly string[]): void;
  applyHospitals(hospitals: HospitalView[]): void;
  applyRequests(requests: RequestView[]): void;
}

/** Whether an incident still belongs on the board (closed and cancelled ones leave it). */
export const OPEN_INCIDENT = (status: string) => status !== 'closed' && status !== 'cancelled';

/** The board's incidents after a batch of changes: open ones kept or added, the rest and the removed dropped. */
export function withIncidents(current: ReadonlyMap<string, IncidentView>, batch: readonly IncidentView[], removed: readonly string[]): Map<string, IncidentView> {
  const incidents = new Map(current);
  for (const incident of batch) {
    if (OPEN_INCIDENT(incident.status)) incidents.set(incident.id, incident);
    else incidents.delete(incident.id);
  }
  for (const id of removed) incidents.delete(id);
  return incidents;
}
const REQUESTS_KEPT = 200;

/** The state a dispatch store starts from: nothing known, nothing selected (live and replay alike). */
export const emptyPicture = () => ({
  units: new Map<string, UnitView>(),
  incidents: new Map<string, IncidentView>(),
  hospitals: new Map<string, HospitalView>(),
  requests: new Map<string, RequestView>(),
  metrics: {} as DispatchState['metrics'],
  changedUnits: [] as string[],
  available: true,
  error: null as string | null,
  selected: null as DispatchState['selected'],
  centerRequest: 0,
  suggestions: {} as DispatchState['suggestions'],
  followUnitId: null as string | null,
  pendingAssignments: {} as DispatchState['pendingAssignments'],
});

/** The live picture; views read it through `useDispatch`, which a replay scope can point elsewhere (dispatchScope.ts). */
export const liveDispatch = create<DispatchState>((set, get) => ({
  ...emptyPicture(),
  async load() {
    const [snapshot, hospitals, requests] = await Promise.all([
      api.call('dispatch.snapshot', {}),
      api.call('hospitals.list', {}),
      api.call('requests.list', { limit: REQUESTS_KEPT })
    ]);
    if (!snapshot.ok) {
      set({ available: snapshot.error.code !== 'NOT_IMPLEMENTED', error: snapshot.error.message });
    } else {
      const now = Date.now();
      const previous = get().units;
      const units = snapshot.value.units.map((u) => toUnit(u, previous.get(u.id), now));
      const incidents = snapshot.value.incidents.filter((i) => OPEN_INCIDENT(i.status)).map((i) => toIncident(i, now));
      set({
        units: new Map(units.map((u) => [u.id, u])),
        incidents: new Map(incidents.map((i) => [i.id, i])),
        metrics: snapshot.value.metrics,
        changedUnits: units.map((u) => u.id),
        available: true,
        error: null
      });
    }
    if (hospitals.ok) get().applyHospitals(hospitals.value.map(toHospital));
    if (requests.ok) get().applyRequests(requests.value.map(toRequest));
  },
  select(selected, options) {
    set({ selected, ...(options?.center && selected ? { centerRequest: get().centerRequest + 1 } : {}) });
  },
  async loadSuggestions(incidentId) {
    const result = await api.call('dispatch.suggestUnits', { incident_id: incidentId, limit: 4 });
    const entry = result.ok ? { units: result.value, at: Date.now(), error: null } : { units: [], at: Date.now(), error: result.error.message };
    set({ suggestions: { ...get().suggestions, [incidentId]: entry } });
  },
  follow(followUnitId) {
    set({ followUnitId });
  },
  async assign(incidentId, unitId) {
    set({ pendingAssignments: { ...get().pendingAssignments, [incidentId]: { unitId, sentAt: Date.now(), error: null } } });
    const result = await api.call('dispatch.assign', { incident_id: incidentId, unit_id: unitId });
    const error = result.ok ? (result.value.status === 'rejected' ? 'The CAD rejected this assignment.' : null) : result.error.message;
    if (error) set({ pendingAssignments: { ...get().pendingAssignments, [incidentId]: { unitId, sentAt: Date.now(), error } } });
    return error;
  },
  applyUnits(batch, removed = []) {
    const units = new Map(get().units);
    for (const unit of batch) units.set(unit.id, unit);
    for (const id of removed) units.delete(id);
    // The CAD confirmed an assignment once the unit reports that incident.
    let pending = get().pendingAssignments;
    for (const [incidentId, p] of Object.entries(pending)) {
      if (units.get(p.unitId)?.incidentId === incidentId) {
        pending = { ...pending };
        delete pending[incidentId];
      }
    }
    set({ units, changedUnits: [...batch.map((u) => u.id), ...removed], pendingAssignments: pending });
  },
  applyIncidents(batch, removed = []) {
    set({ incidents: withIncidents(get().incidents, batch, removed) });
  },
  applyHospitals(batch) {
    const hospitals = new Map(get().hospitals);
    for (const h of batch) hospitals.set(h.id, h);
    set({ hospitals });
  },
  applyRequests(batch) {
    const requests = new Map(get().requests);
    for (const r of batch) requests.set(r.id, r);
    // Keep the newest few hundred: the map shows where recent patients are.
    if (requests.size > REQUESTS_KEPT) {
      const oldest = [...requests.values()].sort((a, b) => a.createdAt - b.createdAt).slice(0, requests.size - REQUESTS_KEPT);
      for (const r of oldest) requests.delete(r.id);
    }
    set({ requests });
  }
}));

export const useDispatch = scopedHook(liveDispatch);

type DispatchEvent =
  | { name: 'dispatch.unitUpdated'; payload: EventPayload<'dispatch.unitUpdated'> }
  | { name: 'dispatch.incidentUpdated'; payload: EventPayload<'dispatch.incidentUpdated'> }
  | { name: 'dispatch.metricsUpdated'; payload: EventPayload<'dispatch.metricsUpdated'> }
  | { name: 'hub.unitLocation'; payload: EventPayload<'hub.unitLocation'> }
  | { name: 'hospitals.updated'; payload: EventPayload<'hospitals.updated'> }
  | { name: 'requests.updated'; payload: EventPayload<'requests.updated'> };

export const DISPATCH_EVENTS = ['dispatch.unitUpdated', 'dispatch.incidentUpdated', 'dispatch.metricsUpdated', 'hub.unitLocation', 'hospitals.updated', 'requests.updated'] as const;

/** Applies one frame's worth of pushed dispatch events in a single store update per kind. */
export function applyDispatchEvents(items: readonly DispatchEvent[]): void {
  const now = Date.now();
  const state = useDispatch.getState();
  const units = new Map<string, UnitView>();
  const removedUnits: string[] = [];
  const incidents: IncidentView[] = [];
  const removedIncidents: string[] = [];
  const hospitals: HospitalView[] = [];
  const requests: RequestView[] = [];
  const latest = (id: string) => units.get(id) ?? state.units.get(id);
  for (const item of items) {
    switch (item.name) {
      case 'dispatch.unitUpdated':
        for (const u of item.payload.units) units.set(u.id, toUnit(u, latest(u.id), now));
        removedUnits.push(...item.payload.removed);
        break;
      case 'hub.unitLocation':
        units.set(item.payload.unit_id, withLocation(latest(item.payload.unit_id), item.payload, now));
        break;
      case 'dispatch.incidentUpdated':
        incidents.push(...item.payload.incidents.map((i) => toIncident(i, now)));
        removedIncidents.push(...item.payload.removed);
        break;
      case 'dispatch.metricsUpdated':
        useDispatch.setState({ metrics: item.payload.metrics });
        break;
      case 'hospitals.updated':
        hospitals.push(toHospital(item.payload));
        break;
      case 'requests.updated':
        requests.push(toRequest(item.payload));
        break;
    }
  }
  if (units.size || removedUnits.length) state.applyUnits([...units.values()], removedUnits);
  if (incidents.length || removedIncidents.length) state.applyIncidents(incidents, removedIncidents);
  if (hospitals.length) state.applyHospitals(hospitals);
  if (requests.length) state.applyRequests(requests);
}

/** Pushed dispatch events, batched per animation frame. */
export function subscribeDispatch(): () => void {
  const push = frameBatch<DispatchEvent>(applyDispatchEvents);
  return api.on(DISPATCH_EVENTS, (name, payload) => push({ name, payload } as DispatchEvent));
}

