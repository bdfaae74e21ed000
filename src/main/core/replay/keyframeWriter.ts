import type { Alert } from '../../../shared/contract/alerts';
import type { ReplayAlert, ReplayConnection } from '../../../shared/contract/replay';
import type { AlertCenter } from '../alerts/alertCenter';
import type { EventBus } from '../contract/bus';
import type { DispatchState } from '../dispatch/dispatchState';
import type { Logger } from '../logger';
import type { SocketLogWriter } from '../log/types';
import type { Incident, Unit } from '../../../shared/cad';
import { steadyNow } from '../clock';
import { keyframeEntries, keyframePartsOf, type CrewPosition, type KeyframePicture, type KeyframeReason } from './keyframe';

/** The connections the hub holds (read only when a keyframe is taken). */
export interface ConnectionSource {
  all(): Iterable<{ id: string; transport: string; identity: { sub: string; role: string; unit_id?: string }; connectedAt: number }>;
}

export interface KeyframeWriterDeps {
  dispatch: DispatchState;
  alerts: AlertCenter;
  bus: EventBus;
  log: () => SocketLogWriter | undefined;
  connections: () => ConnectionSource | undefined;
  cadConnected: () => boolean | null;
  logger: Logger;
}

export interface KeyframeWriter {
  /** Takes the picture now and writes it as keyframe rows; resolves with their ids once committed. */
  write(reason: KeyframeReason): Promise<number[]>;
  /** The picture as a keyframe would hold it now (as JSON, taken in one synchronous step). */
  pictureJson(reason: KeyframeReason): { header: KeyframeHeader; json: string };
  close(): void;
}

type KeyframeHeader = Pick<KeyframePicture, 'at' | 'reason' | 'cad' | 'synced_at' | 'cad_link'>;

export const toReplayAlert = (a: Alert): ReplayAlert => ({
  id: a.id,
  key: a.key,
  kind: a.kind,
  severity: a.severity,
  title: a.title,
  raised_at: a.raised_at,
  delivered_at: a.delivered_at,
  displayed_at: a.displayed_at,
  acknowledged_at: a.acknowledged_at,
  acknowledged_by: a.acknowledged_by,
  escalated: a.escalated
});

/**
 * Writes keyframes of the whole picture into the socket log. It keeps only the
 * last crew position per unit, from the hub's coalesced pushes (a few a second
 * per unit, never per device event), so the hub's hot path does no extra work.
 */
export function createKeyframeWriter(deps: KeyframeWriterDeps): KeyframeWriter {
  const crewPositions = new Map<string, CrewPosition>();
  const stopMoves = deps.bus.on('hub.unitLocation', (m) => {
    crewPositions.set(m.unit_id, { unit_id: m.unit_id, latitude: m.latitude, longitude: m.longitude, heading: m.heading, status: m.status, at: m.at });
  });

  // The live picture is serialised as it is, without a copy, in one synchronous step (so it is one
  // moment's picture); deflating it, the bulk of the work, then runs on libuv's pool, off the event loop.
  const pictureJson = (reason: KeyframeReason) => {
    const at = new Date(steadyNow()).toISOString();
    const snapshot = deps.dispatch.peekSnapshot();
    const open = deps.alerts.list({ limit: 1_000 }).filter((a) => !a.cleared_at);
    const stale = new Set(open.filter((a) => a.key.startsWith('stale:')).map((a) => a.key));
    const connections: ReplayConnection[] = [];
    const crewUnits: Record<string, string> = {};
    for (const c of deps.connections()?.all() ?? []) {
      const unitId = c.identity.unit_id ?? null;
      if (unitId) crewUnits[c.identity.sub] = unitId;
      connections.push({
        socket_id: c.id,
        user_id: c.identity.sub,
        role: c.identity.role,
        unit_id: unitId,
        transport: c.transport,
        connected_at: new Date(c.connectedAt).toISOString(),
        stale: unitId !== null && stale.has(`stale:unit:${unitId}`)
      });
    }
    const cad = deps.cadConnected();
    const header: KeyframeHeader = {
      at,
      reason,
      cad: snapshot.cad ? { ...snapshot.cad } : null,
      synced_at: snapshot.synced_at,
      cad_link: deps.alerts.openFor('cad_link') ? 'down' : cad === null ? 'unknown' : cad ? 'up' : 'down'
    };
    const picture: KeyframePicture = {
      ...header,
      metrics: snapshot.metrics,
      units: snapshot.units as Unit[],
      incidents: snapshot.incidents as Incident[],
      alerts: open.map(toReplayAlert),
      connections,
      crew_positions: [...crewPositions.values()],
      crew_units: crewUnits
    };
    return { header, json: JSON.stringify(picture) };
  };

  return {
    pictureJson,
    async write(reason) {
      const log = deps.log();
      if (!log) return [];
      const { header, json } = pictureJson(reason);
      const parts = await keyframePartsOf(header, json);
      // Queued in one synchronous loop: the parts commit together, with consecutive ids.
      const written = keyframeEntries(parts).map((entry) => log.createSocketLog(entry));
      const results = await Promise.all(written);
      return results.map((r) => r.id);
    },
    close: stopMoves
  };
}
