import type { OutboxReceipt } from '../../../shared/contract/dispatch';
import type { NewOutboxEntry, OutboxCounts, OutboxEntry } from './outbox';

type MaybeAsync<T> = T | Promise<T>;

/**
 * What the bridge's delivery and held-message handling need from an outbox.
 * Single-node mode's SQLite store answers at once (its reads are synchronous
 * and stay so: the drain must not get slower); cluster mode's PostgreSQL store
 * (cluster/cadOutboxStore.ts) answers with promises.
 */
export interface OutboxPort {
  enqueue(entry: NewOutboxEntry): Promise<OutboxReceipt>;
  pendingAfter(afterId: number, limit: number): MaybeAsync<OutboxEntry[]>;
  markDelivered(id: number, attempts: number): void;
  markRejected(id: number, error: string, attempts: number): void;
  markHeld(id: number, reason: string): void;
  markDiscarded(id: number, reason: string): void;
  held(limit: number): MaybeAsync<OutboxEntry[]>;
  release(id: number, payload: Record<string, unknown>): MaybeAsync<boolean>;
  discardHeld(id: number, by: string): MaybeAsync<boolean>;
  counts(): OutboxCounts;
  pruneDelivered(before: Date): MaybeAsync<number>;
  /** Writes queued outcomes now; a promise when the writes are remote. */
  flush(): MaybeAsync<void>;
  close(): MaybeAsync<void>;
}
