import type { Alert } from '../../../shared/contract/alerts';
import type { ReplayAlert, ReplayConnection } from '../../../shared/contract/replay';
import type { AlertCenter } from '../alerts/alertCenter';
import type { EventBus } from '../contract/bus';
import type { DispatchState } from '../dispatch/dispatchState';
import type { Logger } from '../logger';
import type { SocketLogWriter } from '../log/types';
import { keyframeEntries, type CrewPosition, type KeyframePicture, type KeyframeReason } from './keyframe';

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
  picture(reason: KeyframeReason): KeyframePicture;
  close(): void;
}

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

  const picture = (reason: KeyframeReason): KeyframePicture => {
    const snapshot = deps.dispatch.snapshot();
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
    return {
      at: new Date().toISOString(),
      reason,
      cad: snapshot.cad,
      synced_at: snapshot.synced_at,
      cad_link: deps.alerts.openFor('cad_link') ? 'down' : cad === null ? 'unknown' : cad ? 'up' : 'down',
      metrics: snapshot.metrics,
      units: snapshot.units,
      incidents: snapshot.incidents,
      alerts: open.map(toReplayAlert),
      connections,
      crew_positions: [...crewPositions.values()],
      crew_units: crewUnits
    };
  };

  return {
    picture,
    async write(reason) {
      const log = deps.log();
      if (!log) return [];
      // Queued in one synchronous loop: the parts commit together, with consecutive ids.
      const written = keyframeEntries(picture(reason)).map((entry) => log.createSocketLog(entry));
      const results = await Promise.all(written);
      return results.map((r) => r.id);
    },
    close: stopMoves
  };
}
