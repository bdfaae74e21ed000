import type { Socket } from 'socket.io-client';
import { RETRYABLE_HUB_CODES, type HubAck } from '../../shared/hubEvents';

export interface ReliableSender {
  /** Sends an event with a fresh `event_id`, and again with the same id until it is answered for good. */
  send(event: string, payload: Record<string, unknown>): void;
  /** Events sent and not yet answered for good. */
  unanswered(): number;
}

/**
 * How a device should talk to the hub (docs/hub-protocol.md), as the simulated
 * devices do it: every event gets its own `event_id`; an event answered with a
 * retryable code, or not answered because the connection went, is sent again
 * with the same id (the hub records it once); a flood refusal is honoured by
 * waiting out its cool-down before connecting again. Bounded: past `maxQueued`
 * unanswered events the oldest is given up (a position report a minute old is
 * worth less than memory on a tablet).
 */
export function createReliableSender(socket: Socket, owner: string, options: { maxQueued?: number; ackTimeoutMs?: number } = {}): ReliableSender {
  const maxQueued = options.maxQueued ?? 1_000;
  const ackTimeoutMs = options.ackTimeoutMs ?? 10_000;
  // A new counter per start of the device: the boot stamp keeps ids of an earlier run from colliding.
  const boot = Date.now().toString(36);
  let seq = 0;
  const unanswered = new Map<string, { event: string; payload: Record<string, unknown> }>();
  let refusedUntil = 0;

  const attempt = (eventId: string) => {
    const item = unanswered.get(eventId);
    if (!item || !socket.connected) return; // sent again on the next connect
    socket.timeout(ackTimeoutMs).emit(item.event, item.payload, (err: Error | null, ack: HubAck | undefined) => {
      if (err) {
        if (socket.connected) setTimeout(() => attempt(eventId), 1_000).unref?.();
        return;
      }
      if (ack?.ok || !ack || !RETRYABLE_HUB_CODES.has(ack.error.code)) {
        unanswered.delete(eventId);
        return;
      }
      setTimeout(() => attempt(eventId), ack.error.retry_after_ms ?? 1_000).unref?.();
    });
  };

  socket.on('connect', () => {
    for (const eventId of unanswered.keys()) attempt(eventId);
  });
  socket.on('hub.refused', (refusal: { retry_after_ms?: number }) => {
    refusedUntil = Date.now() + (refusal.retry_after_ms ?? 60_000);
  });
  socket.on('disconnect', (reason) => {
    // socket.io-client does not come back after a server disconnect: only a refusal with a cool-down earns a new try.
    if (reason === 'io server disconnect' && refusedUntil > Date.now()) setTimeout(() => socket.connect(), refusedUntil - Date.now()).unref?.();
  });

  return {
    send(event, payload) {
      const eventId = `${owner}:${boot}:${++seq}`;
      unanswered.set(eventId, { event, payload: { ...payload, event_id: eventId } });
      if (unanswered.size > maxQueued) unanswered.delete(unanswered.keys().next().value!);
      attempt(eventId);
    },
    unanswered: () => unanswered.size
  };
}
