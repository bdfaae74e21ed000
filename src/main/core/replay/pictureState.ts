import {
  CAD_INBOUND_EVENTS,
  type CadInboundEvent,
  type CadInboundPayload
} from '../../../shared/cad';
import type { ReplayAlert, ReplayConnection } from '../../../shared/contract/replay';
import { createDispatchState, type DispatchState } from '../dispatch/dispatchState';
import type { CrewPosition, KeyframePicture } from './keyframe';

/** A log row as the replay reads it (times in epoch ms, JSON as text). */
export interface ReplayRow {
  id: number;
  created_at: number;
  event_type: string;
  user_id: string | null;
  user_role: string | null;
  socket_id: string;
  event_data: string | null;
  status: string;
}

/** A full log row as the incident report reads it (evidence is exported whole). */
export type StoryRow = ReplayRow & { request_data: string | null; response_time_ms: number | null; [column: string]: unknown };

/** The alert rows the alert center writes (alertReceiptLog.ts). */
export const ALERT_EVENTS = ['alert_raised', 'alert_delivered', 'alert_displayed', 'alert_acknowledged', 'alert_escalated', 'alert_cleared'] as const;
/** Every event type the picture is rebuilt from. */
export const PICTURE_EVENTS: readonly string[] = [
  ...CAD_INBOUND_EVENTS.map((e) => `cad:${e}`),
  'update_location',
  'connect',
  'disconnect',
  ...ALERT_EVENTS
];

const CAD_LINK_KEY = 'cad_link';
const iso = (ms: number) => new Date(ms).toISOString();

/** One CAD event out of a (possibly batched) inbound row. */
export interface CadItem {
  event: CadInboundEvent;
  payload: CadInboundPayload<CadInboundEvent>;
}

/** The CAD events of one `cad:<event>` row (the bridge batches bursts into one row). */
export function cadItems(row: ReplayRow): CadItem[] {
  if (row.status !== 'success' || !row.event_data) return [];
  const event = row.event_type.slice(4) as CadInboundEvent;
  const data = parseJson(row.event_data) as { batch?: boolean; events?: unknown[] } | null;
  if (!data) return [];
  const list = data.batch === true && Array.isArray(data.events) ? data.events : [data];
  return list.map((payload) => ({ event, payload: payload as CadInboundPayload<CadInboundEvent> }));
}

export function parseJson(text: string | null): unknown {
  if (text === null) return null;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return null;
  }
}

/** What one applied row changed (for played ranges: the console gets whole entities). */
export interface RowEffect {
  units: Set<string>;
  /** Units whose crew reported a position through the hub. */
  crews: Set<string>;
  incidents: Set<string>;
  alerts: boolean;
  connections: boolean;
  cadLink: boolean;
}

export interface ReplayState {
  dispatch: DispatchState;
  /** Applies one CAD event (already put in the CAD's order); false when it was in the keyframe already. */
  applyCad(item: CadItem, effect: RowEffect): boolean;
  /** Applies one non-CAD row (hub, alert). */
  applyRow(row: ReplayRow, effect: RowEffect): void;
  alerts(): ReplayAlert[];
  connections(): ReplayConnection[];
  crewPositions(): CrewPosition[];
  crewPosition(unitId: string): CrewPosition | undefined;
  cadLink(): 'up' | 'down' | 'unknown';
}

export const emptyEffect = (): RowEffect => ({ units: new Set(), crews: new Set(), incidents: new Set(), alerts: false, connections: false, cadLink: false });

/**
 * The control room rebuilt from a keyframe: the dispatch picture through the
 * live reducer itself (so replay and live cannot drift), plus the alerts, the
 * connections and the CAD link as their log rows describe them.
 */
export function createReplayState(kf: KeyframePicture | null): ReplayState {
  const dispatch = createDispatchState();
  dispatch.replace({ units: kf?.units ?? [], incidents: kf?.incidents ?? [], epoch: kf?.cad?.epoch ?? '', seq: kf?.cad?.seq ?? 0, at: kf?.at ?? new Date(0).toISOString() });
  const position = kf?.cad ? { ...kf.cad } : null;
  const alerts = new Map<string, ReplayAlert>((kf?.alerts ?? []).map((a) => [a.id, { ...a }]));
  const connections = new Map<string, ReplayConnection>((kf?.connections ?? []).map((c) => [c.socket_id, { ...c }]));
  const crewUnits = new Map(Object.entries(kf?.crew_units ?? {}));
  let cadLink = kf?.cad_link ?? 'unknown';
  // Crews' own reports stay beside the CAD's picture, as in the live core; the console draws them over it.
  const crewPositions = new Map((kf?.crew_positions ?? []).map((p) => [p.unit_id, { ...p }]));

  const staleKeys = () => new Set([...alerts.values()].filter((a) => a.key.startsWith('stale:')).map((a) => a.key));
  const markStale = () => {
    const stale = staleKeys();
    for (const c of connections.values()) c.stale = c.unit_id !== null && stale.has(`stale:unit:${c.unit_id}`);
  };

  markStale();

  const applyAlert = (row: ReplayRow, effect: RowEffect) => {
    const data = parseJson(row.event_data) as { alert_id?: string; key?: string; kind?: string; severity?: string; title?: string } | null;
    if (!data?.alert_id) return;
    const at = iso(row.created_at);
    const existing = alerts.get(data.alert_id);
    switch (row.event_type) {
      case 'alert_raised':
        alerts.set(data.alert_id, {
          id: data.alert_id,
          key: data.key ?? '',
          kind: data.kind ?? 'system',
          severity: data.severity ?? 'info',
          title: data.title ?? '',
          raised_at: at,
          delivered_at: null,
          displayed_at: null,
          acknowledged_at: null,
          acknowledged_by: null,
          escalated: false
        });
        if (data.key === CAD_LINK_KEY) cadLink = 'down';
        break;
      case 'alert_cleared':
        alerts.delete(data.alert_id);
        if (data.key === CAD_LINK_KEY) cadLink = 'up';
        break;
      case 'alert_delivered':
        if (existing) existing.delivered_at ??= at;
        break;
      case 'alert_displayed':
        if (existing) existing.displayed_at ??= at;
        break;
      case 'alert_acknowledged':
        if (existing) Object.assign(existing, { acknowledged_at: at, acknowledged_by: row.user_id });
        break;
      case 'alert_escalated':
        if (existing) existing.escalated = true;
        break;
    }
    effect.alerts = true;
    if (data.key === CAD_LINK_KEY) effect.cadLink = true;
    if (data.key?.startsWith('stale:')) {
      markStale();
      effect.connections = true;
    }
  };

  return {
    dispatch,
    applyCad({ event, payload }, effect) {
      const p = payload as { epoch?: string; seq?: number; unit_id?: string; incident_id?: string; incident?: { id: string } };
      // The keyframe already holds everything up to its CAD position.
      if (position && p.epoch === position.epoch && typeof p.seq === 'number' && p.seq <= position.seq) return false;
      if (dispatch.apply(event, payload) !== 'applied') return true;
      if (p.unit_id) effect.units.add(p.unit_id);
      const incidentId = p.incident_id ?? p.incident?.id;
      if (incidentId) effect.incidents.add(incidentId);
      return true;
    },
    applyRow(row, effect) {
      if (row.event_type.startsWith('alert_')) return applyAlert(row, effect);
      const data = parseJson(row.event_data) as Record<string, unknown> | null;
      if (row.event_type === 'connect' && row.status === 'success') {
        const unitId = typeof data?.unit_id === 'string' ? data.unit_id : null;
        if (unitId && row.user_id) crewUnits.set(row.user_id, unitId);
        connections.set(row.socket_id, {
          socket_id: row.socket_id,
          user_id: row.user_id,
          role: row.user_role,
          unit_id: unitId,
          transport: typeof data?.transport === 'string' ? data.transport : null,
          connected_at: iso(row.created_at),
          stale: false
        });
        markStale();
        effect.connections = true;
      } else if (row.event_type === 'disconnect') {
        effect.connections = connections.delete(row.socket_id) || effect.connections;
      } else if (row.event_type === 'update_location' && row.user_role === 'crew' && row.status === 'success' && data) {
        const unitId = row.user_id ? crewUnits.get(row.user_id) : undefined;
        if (!unitId || typeof data.latitude !== 'number' || typeof data.longitude !== 'number') return;
        crewPositions.set(unitId, {
          unit_id: unitId,
          latitude: data.latitude,
          longitude: data.longitude,
          heading: typeof data.heading === 'number' ? data.heading : null,
          status: typeof data.status === 'string' ? data.status : null,
          at: typeof data.timestamp === 'string' ? data.timestamp : iso(row.created_at)
        });
        effect.crews.add(unitId);
      }
    },
    alerts: () => [...alerts.values()].map((a) => ({ ...a })),
    connections: () => [...connections.values()].map((c) => ({ ...c })),
    crewPositions: () => [...crewPositions.values()].map((p) => ({ ...p })),
    crewPosition: (unitId) => (crewPositions.has(unitId) ? { ...crewPositions.get(unitId)! } : undefined),
    cadLink: () => cadLink
  };
}
