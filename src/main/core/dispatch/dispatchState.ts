import {
  divertFrom,
  isOpenIncidentStatus,
  type CadInboundEvent,
  type CadInboundPayload,
  type CadSnapshot,
  type Incident,
  type Unit
} from '../../../shared/cad';
import type { DispatchSnapshot, IncidentActivity } from '../../../shared/contract/dispatch';
import type { DispatchAssignments } from './types';
import { defaultRunCards, runCardMatch, type RunCardLookup, type RunCardMatch } from './runCards';
import { createIncidentActivity } from './incidentActivity';
import { distanceKm } from '../../../shared/geo';
import { plainCopy } from './plainCopy';

/** What applying one CAD event did; `unknown_entity` means our picture is behind the CAD's. */
export type ApplyOutcome = 'applied' | 'unknown_entity';

export interface DispatchChanges {
  units: Unit[];
  removedUnits: string[];
  incidents: Incident[];
  removedIncidents: string[];
}

export interface DispatchState extends DispatchAssignments {
  units(): Unit[];
  incidents(): Incident[];
  unit(id: string): Unit | undefined;
  incident(id: string): Incident | undefined;
  /** Read-only views without copying, for hot paths (relaying thousands of events a second). */
  peekUnit(id: string): Readonly<Unit> | undefined;
  peekIncident(id: string): Readonly<Incident> | undefined;
  metrics(): { values: Record<string, number>; at: string | null };
  /** Applies one validated CAD event to the picture (the console's reducer). */
  apply<E extends CadInboundEvent>(event: E, payload: CadInboundPayload<E>): ApplyOutcome;
  /** Replaces the whole picture with a CAD snapshot (entities the CAD no longer has are removed). */
  replace(snapshot: CadSnapshot): void;
  /** Records where the picture stands in the CAD's stream (shown in the snapshot). */
  setCadPosition(position: { epoch: string; seq: number } | null, syncedAt?: string): void;
  snapshot(): DispatchSnapshot;
  /** The snapshot's shape without copying anything: valid only until the next change, so serialise it at once. */
  peekSnapshot(): Readonly<DispatchSnapshot>;
  /** Closest available units with a known location, nearest first. */
  /** Available units for an incident: those its run card calls for first, then by straight-line distance. */
  /** `cards`: the run cards to rank by, when not the centre's current ones (a review of a past decision). */
  suggestUnits(incidentId: string, limit: number, cards?: RunCardLookup): Array<{ unit: Unit; distance_km: number; run_card: RunCardMatch }>;
  /** What happened to an incident, oldest first (empty for an unknown one). */
  activity(incidentId: string): IncidentActivity[];
  /** Called once per event-loop turn with everything that changed in it. */
  onChange(listener: (changes: DispatchChanges) => void): () => void;
  /** Called after the whole picture was replaced by a CAD snapshot (the replay writes a keyframe then). */
  onReplace(listener: () => void): () => void;
}

/**
 * The console's dispatch picture, kept in memory (hundreds of units, thousands
 * of incidents at most) and rebuilt from a CAD snapshot at every (re)connect,
 * so it needs no table of its own. Changes are batched per event-loop turn so a
 * burst of GPS updates becomes one push to the console, not thousands.
 */
/** `runCards`: the centre's current table, read at each suggestion (a supervisor's change applies at once). */
export function createDispatchState(options: { runCards?: () => RunCardLookup } = {}): DispatchState {
  const runCards = options.runCards ?? (() => defaultRunCards);
  const units = new Map<string, Unit>();
  const incidents = new Map<string, Incident>();
  let metrics: { values: Record<string, number>; at: string | null } = { values: {}, at: null };
  let cadPosition: DispatchSnapshot['cad'] = null;
  let syncedAt: string | null = null;
  const listeners = new Set<(changes: DispatchChanges) => void>();
  const replaceListeners = new Set<() => void>();
  const log = createIncidentActivity();
  const note = (incidentId: string, at: string, kind: IncidentActivity['kind'], text: string, unitId: string | null = null, by: string | null = null) =>
    log.record(incidentId, { at, kind, text, unit_id: unitId, by });
  const callsign = (unitId: string | null) => (unitId ? (units.get(unitId)?.call_sign ?? unitId) : null);
  /** A unit the CAD assigns elsewhere leaves an open call's crews (shared/cad.ts `divertFrom`), noted on that call. */
  const leaveCallFor = (unit: Unit, next: Incident, at: string) => {
    const previous = unit.incident_id && unit.incident_id !== next.id ? incidents.get(unit.incident_id) : undefined;
    if (!divertFrom(previous, unit.id, at)) return;
    note(previous.id, at, 'assigned', `${unit.call_sign} reassigned to ${next.id}`, unit.id);
    touchIncident(previous.id);
  };
  const changedUnits = new Set<string>();
  const changedIncidents = new Set<string>();
  const removedUnits = new Set<string>();
  const removedIncidents = new Set<string>();
  let flushScheduled = false;

  const flush = () => {
    flushScheduled = false;
    const changes: DispatchChanges = {
      units: [...changedUnits].flatMap((id) => (units.has(id) ? [plainCopy(units.get(id) as Unit)] : [])),
      removedUnits: [...removedUnits],
      incidents: [...changedIncidents].flatMap((id) => (incidents.has(id) ? [plainCopy(incidents.get(id) as Incident)] : [])),
      removedIncidents: [...removedIncidents]
    };
    changedUnits.clear();
    changedIncidents.clear();
    removedUnits.clear();
    removedIncidents.clear();
    for (const listener of listeners) listener(changes);
  };
  const schedule = () => {
    if (flushScheduled || listeners.size === 0) return;
    flushScheduled = true;
    setImmediate(flush);
  };
  const touchUnit = (id: string) => {
    changedUnits.add(id);
    removedUnits.delete(id);
    schedule();
  };
  const touchIncident = (id: string) => {
    changedIncidents.add(id);
    removedIncidents.delete(id);
    schedule();
  };

  const reducers: { [E in CadInboundEvent]: (p: CadInboundPayload<E>) => ApplyOutcome } = {
    'unit:location:updated': (p) => {
      const unit = units.get(p.unit_id);
      if (!unit) return 'unknown_entity';
      unit.location = { lat: p.location.lat, lon: p.location.lon };
      unit.heading = p.heading;
      unit.speed = p.speed;
      unit.last_report = p.at;
      touchUnit(unit.id);
      return 'applied';
    },
    'unit:status:updated': (p) => {
      const unit = units.get(p.unit_id);
      if (!unit) return 'unknown_entity';
      unit.status = p.status;
      unit.incident_id = p.incident_id;
      unit.last_report = p.at;
      touchUnit(unit.id);
      return 'applied';
    },
    'incident:status:updated': (p) => {
      const incident = incidents.get(p.incident_id);
      if (!incident) return 'unknown_entity';
      if (incident.status !== p.status) note(incident.id, p.at, 'status', `Status ${p.status.replace(/_/g, ' ')}`);
      incident.status = p.status;
      incident.updated_at = p.at;
      touchIncident(incident.id);
      return 'applied';
    },
    'incident:timestamp:updated': (p) => {
      const incident = incidents.get(p.incident_id);
      if (!incident) return 'unknown_entity';
      incident.timestamps[p.name] = p.at;
      incident.updated_at = p.at;
      note(incident.id, p.at, 'time', `${p.name.replace(/_/g, ' ')}${p.unit_id ? ` (${callsign(p.unit_id)})` : ''}`, p.unit_id);
      touchIncident(incident.id);
      return 'applied';
    },
    'incident:new': (p) => {
      incidents.set(p.incident.id, plainCopy(p.incident));
      note(p.incident.id, p.at, 'created', `Call received: P${p.incident.priority} ${p.incident.type}, ${p.incident.address}`);
      touchIncident(p.incident.id);
      return 'applied';
    },
    'assignment:received': (p) => {
      const unit = units.get(p.unit_id);
      const incident = incidents.get(p.incident_id);
      if (!unit || !incident) return 'unknown_entity';
      leaveCallFor(unit, incident, p.at);
      unit.incident_id = incident.id;
      unit.last_report = p.at;
      if (!incident.assigned_units.includes(unit.id)) incident.assigned_units.push(unit.id);
      incident.updated_at = p.at;
      note(incident.id, p.at, 'assigned', `${unit.call_sign} assigned`, unit.id);
      touchUnit(unit.id);
      touchIncident(incident.id);
      return 'applied';
    },
    'transport:completed': (p) => {
      const incident = incidents.get(p.incident_id);
      if (!incident) return 'unknown_entity';
      incident.destination = p.destination;
      incident.updated_at = p.at;
      note(incident.id, p.at, 'transport', `Transport completed${p.destination ? ` at ${p.destination}` : ''} (${callsign(p.unit_id)})`, p.unit_id);
      touchIncident(incident.id);
      return 'applied';
    },
    'incident:note:added': (p) => {
      const incident = incidents.get(p.incident_id);
      if (!incident) return 'unknown_entity';
      if (!incident.notes.some((n) => n.id === p.note.id)) incident.notes.push({ ...p.note });
      incident.updated_at = p.at;
      note(incident.id, p.note.at, 'note', p.note.text, null, p.note.author);
      touchIncident(incident.id);
      return 'applied';
    },
    'metrics:updated': (p) => {
      metrics = { values: { ...p.metrics }, at: p.at };
      return 'applied';
    }
  };

  return {
    units: () => [...units.values()].map((u) => plainCopy(u)),
    incidents: () => [...incidents.values()].map((i) => plainCopy(i)),
    unit: (id) => (units.has(id) ? plainCopy(units.get(id)) : undefined),
    incident: (id) => (incidents.has(id) ? plainCopy(incidents.get(id)) : undefined),
    peekUnit: (id) => units.get(id),
    peekIncident: (id) => incidents.get(id),
    metrics: () => ({ values: { ...metrics.values }, at: metrics.at }),
    apply(event, payload) {
      return (reducers[event] as (p: CadInboundPayload<typeof event>) => ApplyOutcome)(payload);
    },
    replace(snapshot) {
      const nextUnits = new Map(snapshot.units.map((u) => [u.id, plainCopy(u)]));
      const nextIncidents = new Map(snapshot.incidents.map((i) => [i.id, plainCopy(i)]));
      for (const id of units.keys()) if (!nextUnits.has(id)) removedUnits.add(id);
      for (const id of incidents.keys()) if (!nextIncidents.has(id)) removedIncidents.add(id);
      for (const id of removedIncidents) log.forget(id);
      // An incident first seen in a snapshot gets its log from the CAD's own record (times and notes).
      for (const inc of nextIncidents.values()) if (!log.has(inc.id)) log.seed(inc.id, activityFromRecord(inc));
      // Only entities that differ are pushed: a resync after a short flap is then cheap for consoles.
      for (const [id, unit] of nextUnits) if (JSON.stringify(units.get(id)) !== JSON.stringify(unit)) changedUnits.add(id);
      for (const [id, inc] of nextIncidents) if (JSON.stringify(incidents.get(id)) !== JSON.stringify(inc)) changedIncidents.add(id);
      units.clear();
      incidents.clear();
      for (const [id, unit] of nextUnits) units.set(id, unit);
      for (const [id, inc] of nextIncidents) incidents.set(id, inc);
      cadPosition = { epoch: snapshot.epoch, seq: snapshot.seq };
      syncedAt = new Date().toISOString();
      schedule();
      for (const listener of replaceListeners) listener();
    },
    setCadPosition(position, at) {
      cadPosition = position;
      if (at) syncedAt = at;
    },
    snapshot: () => ({
      units: [...units.values()].map((u) => plainCopy(u)),
      incidents: [...incidents.values()].map((i) => plainCopy(i)),
      metrics: { ...metrics.values },
      cad: cadPosition ? { ...cadPosition } : null,
      synced_at: syncedAt
    }),
    peekSnapshot: () => ({ units: [...units.values()], incidents: [...incidents.values()], metrics: metrics.values, cad: cadPosition, synced_at: syncedAt }),
    suggestUnits(incidentId, limit, cards) {
      const incident = incidents.get(incidentId);
      if (!incident?.location) return [];
      const from = incident.location;
      const card = (cards ?? runCards())(incident.type, incident.priority);
      return [...units.values()]
        .filter((u) => u.status === 'available' && u.location)
        .map((u) => {
          const { match, rank } = runCardMatch(card, u.unit_type);
          return { unit: u, distance_km: Math.round(distanceKm(from, u.location!) * 1000) / 1000, run_card: match, rank };
        })
        // Run card first (the right kind of unit), then the nearest of that kind.
        .sort((a, b) => a.rank - b.rank || a.distance_km - b.distance_km || a.unit.id.localeCompare(b.unit.id))
        .slice(0, limit)
        // Copy only the few units handed out, not every available one.
        .map(({ rank: _rank, unit, ...suggestion }) => ({ unit: plainCopy(unit), ...suggestion }));
    },
    activity: (incidentId) => log.list(incidentId),
    incidentsAssignedTo(unitId) {
      const out: string[] = [];
      for (const incident of incidents.values()) {
        if (isOpenIncidentStatus(incident.status) && incident.assigned_units.includes(unitId)) out.push(incident.id);
      }
      return out;
    },
    onChange(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    onReplace(listener) {
      replaceListeners.add(listener);
      return () => replaceListeners.delete(listener);
    }
  };
}

/** An activity log rebuilt from an incident record: its call, its times and its notes. */
function activityFromRecord(incident: Incident): IncidentActivity[] {
  const entries: IncidentActivity[] = [];
  const received = incident.timestamps.call_received ?? incident.updated_at;
  entries.push({ at: received, kind: 'created', text: `Call received: P${incident.priority} ${incident.type}, ${incident.address}`, unit_id: null, by: null });
  for (const [name, at] of Object.entries(incident.timestamps)) {
    if (name !== 'call_received' && at) entries.push({ at, kind: 'time', text: name.replace(/_/g, ' '), unit_id: null, by: null });
  }
  for (const n of incident.notes) entries.push({ at: n.at, kind: 'note', text: n.text, unit_id: null, by: n.author });
  return entries;
}
