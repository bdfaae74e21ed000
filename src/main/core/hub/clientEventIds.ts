import type { HubAck } from '../../../shared/hubEvents';

/** The payload field a client puts its own event id in (docs/hub-protocol.md, "Exactly once"). */
export const CLIENT_EVENT_ID_FIELD = 'event_id';
export const MAX_CLIENT_EVENT_ID_CHARS = 128;

/**
 * The client event id of a payload: undefined when it carries none, null when it
 * carries one the hub cannot use (not a string of 1-128 characters).
 */
export function clientEventIdOf(payload: unknown): string | undefined | null {
  if (payload === null || typeof payload !== 'object') return undefined;
  const value = (payload as { event_id?: unknown }).event_id;
  if (value === undefined) return undefined;
  return typeof value === 'string' && value.length > 0 && value.length <= MAX_CLIENT_EVENT_ID_CHARS ? value : null;
}

/**
 * Client event ids seen lately, in front of the log's durable table
 * (client_event_ids, checked inside the commit): a resend while the original is
 * still in flight waits for its answer, and one after it is answered from here
 * without touching SQLite. Bounded: past `maxEntries` the oldest go first; a
 * resend of one of those is still caught by the table.
 */
export interface RecentEventIds {
  /** The original's log id, its answer still to come, or undefined when not seen lately. */
  get(key: string): number | Promise<HubAck> | undefined;
  /** Records an event now being processed. */
  started(key: string, answer: Promise<HubAck>): void;
  /** Records its outcome: a committed id is kept, a refusal forgotten (a resend is then processed anew). */
  finished(key: string, answer: Promise<HubAck>, ack: HubAck): void;
  size(): number;
}

export function createRecentEventIds(maxEntries: number): RecentEventIds {
  const recent = new Map<string, number | Promise<HubAck>>();
  return {
    get: (key) => recent.get(key),
    started(key, answer) {
      recent.set(key, answer);
      if (recent.size > maxEntries) {
        const oldest = recent.keys().next().value;
        if (oldest !== undefined) recent.delete(oldest);
      }
    },
    finished(key, answer, ack) {
      if (recent.get(key) !== answer) return; // evicted, or a later attempt owns the key now
      if (ack.ok && typeof ack.id === 'number') recent.set(key, ack.id);
      else recent.delete(key);
    },
    size: () => recent.size
  };
}

/** The answer to a resend: the original row's id, marked as a duplicate (nothing was written). */
export const duplicateAck = (id: number | null): HubAck => ({ ok: true, id, duplicate: true });
