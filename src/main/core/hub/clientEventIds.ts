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
 * without touching SQLite. Bounded to about `maxEntries`, the oldest going
 * first; a resend of one of those is still caught by the table.
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
  // Two generations instead of one map trimmed oldest-first: deleting a Map's first keys one at
  // a time leaves holes that every later keys().next() walks over, which made eviction cost
  // grow with the churn. A full generation is dropped whole, so the bound holds at O(1) per event.
  const half = Math.max(1, Math.ceil(maxEntries / 2));
  let current = new Map<string, number | Promise<HubAck>>();
  let previous = new Map<string, number | Promise<HubAck>>();
  const set = (key: string, value: number | Promise<HubAck>) => {
    if (current.size >= half && !current.has(key)) {
      previous = current;
      current = new Map();
    }
    current.set(key, value);
  };
  const get = (key: string) => current.get(key) ?? previous.get(key);
  return {
    get,
    started: set,
    finished(key, answer, ack) {
      if (get(key) !== answer) return; // dropped with its generation, or a later attempt owns the key now
      if (ack.ok && typeof ack.id === 'number') set(key, ack.id);
      else {
        current.delete(key);
        previous.delete(key);
      }
    },
    size: () => current.size + previous.size
  };
}

/** The answer to a resend: the original row's id, marked as a duplicate (nothing was written). */
export const duplicateAck = (id: number | null): HubAck => ({ ok: true, id, duplicate: true });
