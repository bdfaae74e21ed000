import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { CadOutboundEvent } from '../../../shared/cad';
import type { OutboxStatus } from '../bridge/tables';
import type { OutboxCounts, OutboxEntry } from '../bridge/outbox';
import type { OutboxPort } from '../bridge/outboxPort';
import type { Fence, OutboxOutcome, PgOutbox, PgOutboxEntry } from './pgOutbox';

export interface ClusterOutboxStore extends OutboxPort {
  /** Reads the counts again (they change on every node); health reads the last answer. */
  refreshCounts(): Promise<OutboxCounts>;
}

/**
 * The bridge's outbox in cluster mode: the PostgreSQL outbox shared by every
 * node. Enqueues and a person's decisions on held messages happen on any node;
 * only the CAD link holder settles, each settle fenced by its lease epoch
 * (`fence()` is null on a node that does not hold the lease, which then
 * settles nothing). Settles are written in the background; `flush` waits for
 * them, so the drain never reads a settled message as pending.
 */
export function createClusterOutboxStore(options: { outbox: PgOutbox; fence(): Fence | null; logger: Logger; onCountsChanged(): void }): ClusterOutboxStore {
  const { outbox, logger } = options;
  let counts: OutboxCounts = { pending: 0, rejected: 0, held: 0, oldestPendingAt: null };
  const writes = new Set<Promise<void>>();
  let refreshing: Promise<OutboxCounts> | null = null;
  let readAgain = false;
  const adjust = (by: { held: number; pending: number }) => {
    counts = { ...counts, held: Math.max(0, counts.held + by.held), pending: Math.max(0, counts.pending + by.pending) };
    options.onCountsChanged();
    void store.refreshCounts();
  };

  const toEntry = (e: PgOutboxEntry): OutboxEntry => ({
    id: e.id,
    idempotencyKey: e.idempotencyKey,
    event: e.event as CadOutboundEvent,
    payload: e.payload,
    attempts: e.attempts,
    requestedBy: e.requestedBy,
    createdAt: e.createdAt,
    lastError: e.lastError
  });

  const settle = (id: number, outcome: OutboxOutcome, details: { attempts?: number; error?: string }) => {
    const fence = options.fence();
    if (!fence) {
      logger.warn({ id, outcome }, 'outbox message not settled: this node no longer holds the CAD link lease; the holder sends it again');
      return;
    }
    const write = outbox
      .settle(id, outcome, fence, details)
      .catch((err: unknown) => logger.warn({ err, id, outcome }, 'outbox message not settled; the CAD link holder sends it again (the CAD de-duplicates it)'))
      .finally(() => writes.delete(write));
    writes.add(write);
    void refreshSoon();
  };

  let refreshTimer: NodeJS.Timeout | null = null;
  const refreshSoon = () => {
    if (refreshTimer) return;
    refreshTimer = setTimeout(() => {
      refreshTimer = null;
      void store.refreshCounts();
    }, 50);
    refreshTimer.unref();
  };

  const store: ClusterOutboxStore = {
    async enqueue(entry) {
      const key = entry.idempotencyKey ?? randomUUID();
      const payload = { ...entry.body, idempotency_key: key, queued_at: new Date().toISOString() };
      const result = await outbox.enqueue({ event: entry.event, payload, idempotencyKey: key, requestedBy: entry.requestedBy ?? null });
      if (!result.duplicate) {
        counts = { ...counts, pending: counts.pending + 1, oldestPendingAt: counts.oldestPendingAt ?? payload.queued_at };
      }
      return { outbox_id: result.id, idempotency_key: key, event: result.event, status: result.status as OutboxStatus, duplicate: result.duplicate };
    },
    pendingAfter: async (afterId, limit) => (await outbox.pendingAfter(afterId, limit)).map(toEntry),
    markDelivered: (id, attempts) => settle(id, 'delivered', { attempts }),
    markRejected: (id, error, attempts) => settle(id, 'rejected', { attempts, error: error.slice(0, 1000) }),
    markHeld: (id, reason) => settle(id, 'held', { error: reason.slice(0, 1000) }),
    markDiscarded: (id, reason) => settle(id, 'discarded', { error: reason.slice(0, 1000) }),
    held: async (limit) => {
      await store.flush();
      return (await outbox.held(limit)).map(toEntry);
    },
    async release(id, payload) {
      const released = await outbox.release(id, payload);
      // The health shows the decision at once, as enqueue does; PostgreSQL's count follows.
      if (released) adjust({ held: -1, pending: +1 });
      return released;
    },
    async discardHeld(id, by) {
      const discarded = await outbox.discardHeld(id, `discarded by ${by}`);
      if (discarded) adjust({ held: -1, pending: 0 });
      return discarded;
    },
    counts: () => counts,
    refreshCounts() {
      // A count read while a change commits may miss it: a request during a read reads again after it.
      if (refreshing) {
        readAgain = true;
        return refreshing;
      }
      refreshing = outbox
        .counts()
        .then((next) => {
          const changed = JSON.stringify(next) !== JSON.stringify(counts);
          counts = next;
          if (changed) options.onCountsChanged();
          return next;
        })
        .catch((err: unknown) => {
          logger.warn({ err }, 'could not read the outbox counts from PostgreSQL');
          return counts;
        })
        .finally(() => {
          refreshing = null;
          if (readAgain) {
            readAgain = false;
            void store.refreshCounts();
          }
        });
      return refreshing;
    },
    pruneDelivered: (before) => outbox.pruneDelivered(before),
    async flush() {
      await Promise.all([...writes]);
    },
    async close() {
      if (refreshTimer) clearTimeout(refreshTimer);
      await Promise.all([...writes]);
    }
  };
  return store;
}
