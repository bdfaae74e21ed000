import type { HubMetrics } from './metrics';
import type { HubTransport } from './registry';
import type { RoomMessage } from './roomHistory';

export interface ResumeGate {
  /** The connection's `deliver`: live room messages. */
  deliver(message: RoomMessage): void;
  /** Sends what was missed, then what arrived live meanwhile; from then on live messages pass straight through. */
  release(missed: readonly RoomMessage[]): void;
}

/**
 * Joins a resuming WebSocket or SSE subscriber to the live flow without a gap or
 * a duplicate. It is subscribed first, so nothing published from then on can be
 * lost; live messages are held until what it missed has been sent (in cluster
 * mode that may come from Redis, a round trip later); after that a message is
 * sent only if its id is above the last one sent. Ids reach a node in increasing
 * order (one counter per process, or per cluster through the live stream), so
 * one comparison per message is all the bookkeeping.
 */
export function createResumeGate(send: (message: RoomMessage) => void, since: number | undefined): ResumeGate {
  let floor = since ?? 0;
  let held: RoomMessage[] | null = [];
  const pass = (message: RoomMessage) => {
    if (message.id <= floor) return;
    floor = message.id;
    send(message);
  };
  return {
    deliver(message) {
      if (held) held.push(message);
      else pass(message);
    },
    release(missed) {
      const waiting = held ?? [];
      held = null;
      for (const message of missed) pass(message);
      for (const message of waiting) pass(message);
    }
  };
}

/**
 * What a subscriber resuming after `since` missed (undefined: it is not resuming),
 * counted by where it came from: memory, or (cluster mode, a node that started
 * after that id) Redis.
 */
export function missedFor(
  hub: { missedSince(rooms: Iterable<string>, since: number): RoomMessage[] | Promise<RoomMessage[]>; metrics: HubMetrics },
  transport: HubTransport,
  rooms: Iterable<string>,
  since: number | undefined
): RoomMessage[] | Promise<RoomMessage[]> {
  if (since === undefined) return [];
  const missed = hub.missedSince(rooms, since);
  hub.metrics.resumes.child(transport, Array.isArray(missed) ? 'memory' : 'redis').inc();
  return missed;
}
