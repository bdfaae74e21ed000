import { create } from 'zustand';
import type { Unit } from '../../../../shared/cad';
import type { CrewPosition, ReplayAlert, ReplayChain, ReplayChange, ReplayConnection, ReplayPicture } from '../../../../shared/contract/replay';
import { emptyPicture, liveDispatch, OPEN_INCIDENT, withIncidents, type DispatchState } from '../../stores/dispatchStore';
import { toIncident, toUnit, withLocation, type IncidentView, type UnitView } from '../../stores/dispatchModel';

const READ_ONLY = 'This is a replay of the past: it cannot act.';

/**
 * The replayed picture in the live store's shape, so the map and the boards
 * read it unchanged (dispatchScope.ts). Selection and following work (they are
 * how one looks at a picture); every action is refused.
 */
export const replayDispatch = create<DispatchState>((set, get) => ({
  ...emptyPicture(),
  load: async () => undefined,
  select(selected, options) {
    set({ selected, ...(options?.center && selected ? { centerRequest: get().centerRequest + 1 } : {}) });
  },
  loadSuggestions: async () => undefined,
  follow(followUnitId) {
    set({ followUnitId });
  },
  assign: async () => READ_ONLY,
  applyUnits(batch, removed = []) {
    const units = new Map(get().units);
    for (const unit of batch) units.set(unit.id, unit);
    for (const id of removed) units.delete(id);
    set({ units, changedUnits: [...batch.map((u) => u.id), ...removed] });
  },
  applyIncidents(batch, removed = []) {
    set({ incidents: withIncidents(get().incidents, batch, removed) });
  },
  applyHospitals: () => undefined,
  applyRequests: () => undefined
}));

/** The rest of the replayed room: alerts, connections, the CAD link and whether the log verified. */
export interface ReplayRoom {
  at: number;
  alerts: ReplayAlert[];
  connections: ReplayConnection[];
  cadLink: 'up' | 'down' | 'unknown';
  chain: ReplayChain | null;
  keyframe: ReplayPicture['keyframe'];
}

export const useReplayRoom = create<ReplayRoom>(() => ({ at: 0, alerts: [], connections: [], cadLink: 'unknown', chain: null, keyframe: null }));

const crewReport = (p: CrewPosition) => ({ unit_id: p.unit_id, latitude: p.latitude, longitude: p.longitude, heading: p.heading, speed_kmh: null, status: p.status, at: p.at });

/** A unit as the live console would show it: the CAD's record, with the crew's own position when that is newer. */
function unitView(unit: Unit, previous: UnitView | undefined, crew: CrewPosition | undefined, now: number): UnitView {
  const view = toUnit(unit, previous, now);
  const newer = crew && (!unit.last_report || Date.parse(crew.at) >= Date.parse(unit.last_report));
  return newer ? withLocation(view, crewReport(crew), now) : view;
}

/**
 * While playing, the lists (incidents, and the room's alerts and connections)
 * are brought up to date at most this often, in real time: at 60x a busy log
 * changes them many times a second, and each change re-rendered, laid out and
 * painted every view that lists them (the map's incidents and details, the
 * boards, the room panel) on most frames. The views' timers follow the
 * replayed moment at the same pace (ReplayView); units move frame by frame.
 */
export const LISTS_EVERY_MS = 250;

/** Changes played but not yet shown: incidents (latest per incident), and the latest alerts and connections. */
let held = { incidents: new Map<string, IncidentView>(), room: {} as Partial<Pick<ReplayRoom, 'alerts' | 'connections'>> };
let listsShownAt = Number.NEGATIVE_INFINITY;

/** Shows the changes held back while playing (on pause, on a step, or when their turn comes). */
export function showHeld(): void {
  listsShownAt = performance.now();
  const { incidents, room } = held;
  held = { incidents: new Map(), room: {} };
  if (incidents.size) replayDispatch.getState().applyIncidents([...incidents.values()]);
  if (room.alerts || room.connections) useReplayRoom.setState(room);
}

/** Replaces the replayed picture with one moment (a seek). */
export function showPicture(picture: ReplayPicture): void {
  // Changes held back belong to the moment being left.
  held = { incidents: new Map(), room: {} };
  const at = Date.parse(picture.at);
  const crews = new Map(picture.crew_positions.map((p) => [p.unit_id, p]));
  const units = picture.units.map((u) => unitView(u, undefined, crews.get(u.id), at));
  const incidents: IncidentView[] = picture.incidents.filter((i) => OPEN_INCIDENT(i.status)).map((i) => toIncident(i, at));
  replayDispatch.setState({
    units: new Map(units.map((u) => [u.id, u])),
    incidents: new Map(incidents.map((i) => [i.id, i])),
    // Hospitals do not move: the live list stands in for the replayed one.
    hospitals: liveDispatch.getState().hospitals,
    metrics: picture.metrics,
    changedUnits: units.map((u) => u.id)
  });
  useReplayRoom.setState({ at, alerts: picture.alerts, connections: picture.connections, cadLink: picture.cad_link, chain: picture.chain, keyframe: picture.keyframe });
}

/**
 * Plays changes in order, as pushed events would have arrived at the live
 * console. `paced` (playing): the lists are shown every LISTS_EVERY_MS at
 * most; otherwise (a step) at once.
 */
export function applyChanges(changes: readonly ReplayChange[], at: number, { paced = false } = {}): void {
  const state = replayDispatch.getState();
  const units = new Map<string, UnitView>();
  const showIfDue = () => {
    if (!paced || performance.now() - listsShownAt >= LISTS_EVERY_MS) showHeld();
  };
  if (!changes.length) {
    useReplayRoom.setState({ at });
    showIfDue();
    return;
  }
  const latest = (id: string) => units.get(id) ?? state.units.get(id);
  const room: Partial<ReplayRoom> = { at };
  for (const change of changes) {
    const now = Date.parse(change.at);
    for (const u of change.units) units.set(u.id, toUnit(u, latest(u.id), now));
    for (const p of change.crew_positions) {
      const previous = latest(p.unit_id);
      if (previous) units.set(p.unit_id, withLocation(previous, crewReport(p), now));
    }
    for (const i of change.incidents) held.incidents.set(i.id, toIncident(i, now));
    if (change.alerts) held.room.alerts = change.alerts;
    if (change.connections) held.room.connections = change.connections;
    if (change.cad_link) room.cadLink = change.cad_link;
  }
  if (units.size) state.applyUnits([...units.values()]);
  useReplayRoom.setState(room);
  showIfDue();
}
