import { canSubscribe } from '../../../shared/rooms';
import type { EventBus } from '../contract/bus';
import type { Hub } from './hub';
import type { HubConn } from './registry';

/** Roles whose room access depends on changing facts (routed patients, assigned incidents). */
const FACT_DEPENDENT_ROLES = new Set(['hospital', 'crew']);

/**
 * Removes a connection from every room it may no longer be in, telling it
 * which and why (`room_access_revoked`). Returns the rooms removed.
 */
export function recheckRooms(hub: Hub, conn: HubConn): string[] {
  const removed: string[] = [];
  for (const room of [...conn.rooms]) {
    const decision = canSubscribe(conn.identity, room, hub.accessFacts);
    if (decision.allowed) continue;
    hub.leave(conn, room);
    removed.push(room);
    conn.direct('room_access_revoked', { room, reason: decision.reason });
  }
  if (removed.length > 0) {
    hub.logger.info({ conn: conn.id, user: conn.identity.sub, rooms: removed }, 'room access re-checked: removed rooms no longer allowed');
    hub
      .writeLog({
        eventType: 'room_access_revoked',
        socketId: conn.id,
        userId: conn.identity.sub,
        userRole: conn.identity.role,
        eventData: { rooms: removed },
        status: 'success',
        processed: true
      })
      .catch((err: unknown) => hub.logger.error({ err }, 'room access change not logged'));
  }
  return removed;
}

/**
 * Room access follows the facts: when an ambulance request's offer ends or an
 * incident's assignment changes, every hospital and crew connection's rooms are
 * re-checked once (coalesced per turn of the event loop, so a burst of changes
 * costs one pass).
 */
export function attachAccessRecheck(hub: Hub, bus: EventBus): () => void {
  let scheduled: NodeJS.Immediate | null = null;
  const pass = () => {
    scheduled = null;
    for (const conn of [...hub.registry.all()]) if (FACT_DEPENDENT_ROLES.has(conn.identity.role) && conn.rooms.size > 0) recheckRooms(hub, conn);
  };
  const schedule = () => {
    scheduled ??= setImmediate(pass);
  };
  const stops = [bus.on('requests.updated', schedule), bus.on('dispatch.incidentUpdated', schedule)];
  return () => {
    for (const stop of stops) stop();
    if (scheduled) clearImmediate(scheduled);
  };
}
