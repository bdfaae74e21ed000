import { randomUUID } from 'node:crypto';
import type Sqlite from 'better-sqlite3';
import type { Kysely } from 'kysely';
import type { CadOutboundEvent } from '../../../shared/cad';
import type { OutboxReceipt } from '../../../shared/contract/dispatch';
import type { DatabaseSchema } from '../db/schema';
import type { OutboxStatus } from './tables';

export interface OutboxEntry {
  id: number;
  idempotencyKey: string;
  event: CadOutboundEvent;
  /** The wire payload, idempotency key included. */
  payload: Record<string, unknown>;
  attempts: number;
  requestedBy: string | null;
  createdAt: string;
  /** Why the row is not pending any more (rejection, hold), if it says. */
  lastError: string | null;
}

export interface OutboxCounts {
  pending: number;
  rejected: number;
  held: number;
  oldestPendingAt: string | null;
}

export interface NewOutboxEntry {
  event: CadOutboundEvent;
  body: Record<string, unknown>;
  idempotencyKey?: string;
  requestedBy?: string | null;
}

export interface OutboxStore {
  /** Queues one message; resolves after its row is committed (group commit per event-loop turn). */
  enqueue(entry: NewOutboxEntry): Promise<OutboxReceipt>;
  /** Pending rows after `afterId`, in delivery order. */
  pendingAfter(afterId: number, limit: number): OutboxEntry[];
  /** Settles a row; `attempts` is how many times it was sent (written with the outcome, not per send). */
  markDelivered(id: number, attempts: number): void;
  markRejected(id: number, error: string, attempts: number): void;
  /** Holds a pending row for a person to re-confirm or discard (its CAD epoch is gone). */
  markHeld(id: number, reason: string): void;
  /** Settles a pending row without sending it (a position report made stale by an epoch change). */
  markDiscarded(id: number, reason: string): void;
  /** Held rows, oldest first. */
  held(limit: number): OutboxEntry[];
  /** A held row goes back to pending with a new wire payload (rebound to the current epoch); false if not held. */
  release(id: number, payload: Record<string, unknown>): boolean;
  /** A held row is discarded by a person; false if not held. */
  discardHeld(id: number, by: string): boolean;
  counts(): OutboxCounts;
  /** Deletes delivered rows older than the cutoff; returns how many. */
  pruneDelivered(before: Date): number;
  /** Writes queued outcome updates now (they are otherwise batched per turn). */
  flush(): void;
  close(): void;
}

interface Row {
  id: number;
  idempotency_key: string;
  event: string;
  payload: string;
  status: OutboxStatus;
  attempts: number;
  requested_by: string | null;
  created_at: string;
  last_error: string | null;
}

/** A named placeholder inside a Kysely query; bound by name when the prepared statement runs. */
const param = <T>(name: string): T => `:${name}` as unknown as T;
const isParam = (value: unknown): value is string => typeof value === 'string' && value.startsWith(':');

interface Prepared {
  run(args?: Record<string, unknown>): Sqlite.RunResult;
  get<T>(args?: Record<string, unknown>): T | undefined;
  all<T>(args?: Record<string, unknown>): T[];
}

/**
 * The outbox's data layer. Queries are written with Kysely, compiled once and
 * run as reused better-sqlite3 prepared statements (Kysely's driver re-prepares
 * on every execute, ~2x slower), batched into one transaction per event-loop
 * turn: enqueues must be durable before the caller hears "queued", and acks
 * arrive by the thousand during a drain.
 */
export function createOutboxStore(db: Kysely<DatabaseSchema>, sqlite: Sqlite.Database): OutboxStore {
  const prepare = (query: { compile(): { sql: string; parameters: readonly unknown[] } }): Prepared => {
    const compiled = query.compile();
    const statement = sqlite.prepare(compiled.sql);
    const bind = (args: Record<string, unknown> = {}) =>
      compiled.parameters.map((p) => (isParam(p) ? (args[p.slice(1)] ?? null) : p));
    return {
      run: (args) => statement.run(bind(args)),
      get: <T>(args?: Record<string, unknown>) => statement.get(bind(args)) as T | undefined,
      all: <T>(args?: Record<string, unknown>) => statement.all(bind(args)) as T[]
    };
  };
  const insert = prepare(
    db
      .insertInto('bridge_outbox')
      .values({
        idempotency_key: param('key'),
        event: param('event'),
        payload: param('payload'),
        requested_by: param('requestedBy'),
        created_at: param('createdAt')
      })
      .onConflict((oc) => oc.column('idempotency_key').doNothing())
  );
  const byKey = prepare(db.selectFrom('bridge_outbox').select(['id', 'event', 'status']).where('idempotency_key', '=', param<string>('key')));
  const pendingAfter = prepare(
    db
      .selectFrom('bridge_outbox')
      .selectAll()
      .where('status', '=', 'pending')
      .where('id', '>', param<number>('afterId'))
      .orderBy('id')
      .limit(param<number>('limit'))
  );
  const setOutcome = prepare(
    db
      .updateTable('bridge_outbox')
      .set((eb) => ({
        status: param('status'),
        delivered_at: param('deliveredAt'),
        last_error: param('error'),
        attempts: eb('attempts', '+', param<number>('attempts'))
      }))
      .where('id', '=', param<number>('id'))
      .where('status', '=', 'pending')
  );
  const heldRows = prepare(
    db.selectFrom('bridge_outbox').selectAll().where('status', '=', 'held').orderBy('id').limit(param<number>('limit'))
  );
  const releaseHeld = prepare(
    db
      .updateTable('bridge_outbox')
      .set({ status: 'pending', payload: param('payload'), last_error: null })
      .where('id', '=', param<number>('id'))
      .where('status', '=', 'held')
  );
  const discardHeldRow = prepare(
    db
      .updateTable('bridge_outbox')
      .set({ status: 'discarded', last_error: param('error') })
      .where('id', '=', param<number>('id'))
      .where('status', '=', 'held')
  );
  const countByStatus = prepare(
    db.selectFrom('bridge_outbox').select((eb) => ['status', eb.fn.countAll<number>().as('n')]).groupBy('status')
  );
  const oldestPending = prepare(
    db.selectFrom('bridge_outbox').select('created_at').where('status', '=', 'pending').orderBy('id').limit(1)
  );
  const prune = prepare(
    db.deleteFrom('bridge_outbox').where('status', '=', 'delivered').where('delivered_at', '<', param<string>('before'))
  );

  const counts = { pending: 0, rejected: 0, held: 0 };
  for (const row of countByStatus.all<{ status: OutboxStatus; n: number }>()) {
    if (row.status === 'pending') counts.pending = row.n;
    if (row.status === 'rejected') counts.rejected = row.n;
    if (row.status === 'held') counts.held = row.n;
  }
  let oldestPendingAt: string | null | undefined;

  interface Waiting {
    entry: NewOutboxEntry;
    resolve(receipt: OutboxReceipt): void;
    reject(err: unknown): void;
  }
  let waiting: Waiting[] = [];
  const outcomes: Array<{ id: number; status: OutboxStatus; error: string | null; at: string; attempts: number }> = [];
  let scheduled = false;

  const writeBatch = sqlite.transaction((batch: Waiting[]) => {
    const receipts: OutboxReceipt[] = [];
    for (const { entry } of batch) {
      const key = entry.idempotencyKey ?? randomUUID();
      const now = new Date().toISOString();
      const payload = JSON.stringify({ ...entry.body, idempotency_key: key, queued_at: now });
      const result = insert.run({ key, event: entry.event, payload, requestedBy: entry.requestedBy ?? null, createdAt: now });
      if (result.changes === 1) {
        counts.pending += 1;
        if (oldestPendingAt === null) oldestPendingAt = now;
        receipts.push({ outbox_id: Number(result.lastInsertRowid), idempotency_key: key, event: entry.event, status: 'pending', duplicate: false });
      } else {
        const existing = byKey.get<{ id: number; event: string; status: OutboxStatus }>({ key })!;
        receipts.push({ outbox_id: existing.id, idempotency_key: key, event: existing.event, status: existing.status, duplicate: true });
      }
    }
    for (const o of outcomes) {
      // Only a pending row changes: a late ack for a row already settled is a no-op.
      const changed = setOutcome.run({ status: o.status, deliveredAt: o.status === 'delivered' ? o.at : null, error: o.error, id: o.id, attempts: o.attempts }).changes;
      if (changed === 1) {
        counts.pending -= 1;
        if (o.status === 'rejected') counts.rejected += 1;
        if (o.status === 'held') counts.held += 1;
      }
    }
    if (outcomes.length) oldestPendingAt = undefined;
    outcomes.length = 0;
    return receipts;
  });

  const flushNow = () => {
    scheduled = false;
    const batch = waiting;
    waiting = [];
    let receipts: OutboxReceipt[];
    try {
      receipts = writeBatch(batch);
    } catch (err) {
      batch.forEach((w) => w.reject(err));
      return;
    }
    batch.forEach((w, i) => w.resolve(receipts[i] as OutboxReceipt));
  };
  const schedule = () => {
    if (scheduled) return;
    scheduled = true;
    setImmediate(flushNow);
  };

  const toEntry = (row: Row): OutboxEntry => ({
    id: row.id,
    idempotencyKey: row.idempotency_key,
    event: row.event as CadOutboundEvent,
    payload: JSON.parse(row.payload) as Record<string, unknown>,
    attempts: row.attempts,
    requestedBy: row.requested_by,
    createdAt: row.created_at,
    lastError: row.last_error ?? null
  });

  return {
    enqueue(entry) {
      return new Promise((resolve, reject) => {
        waiting.push({ entry, resolve, reject });
        schedule();
      });
    },
    pendingAfter(afterId, limit) {
      return pendingAfter.all<Row>({ afterId, limit }).map(toEntry);
    },
    markDelivered(id, attempts) {
      outcomes.push({ id, status: 'delivered', error: null, at: new Date().toISOString(), attempts });
      schedule();
    },
    markRejected(id, error, attempts) {
      outcomes.push({ id, status: 'rejected', error: error.slice(0, 1000), at: new Date().toISOString(), attempts });
      schedule();
    },
    markHeld(id, reason) {
      outcomes.push({ id, status: 'held', error: reason.slice(0, 1000), at: new Date().toISOString(), attempts: 0 });
      schedule();
    },
    markDiscarded(id, reason) {
      outcomes.push({ id, status: 'discarded', error: reason.slice(0, 1000), at: new Date().toISOString(), attempts: 0 });
      schedule();
    },
    held(limit) {
      flushNow();
      return heldRows.all<Row>({ limit }).map(toEntry);
    },
    release(id, payload) {
      flushNow();
      if (releaseHeld.run({ id, payload: JSON.stringify(payload) }).changes !== 1) return false;
      counts.held -= 1;
      counts.pending += 1;
      oldestPendingAt = undefined;
      return true;
    },
    discardHeld(id, by) {
      flushNow();
      if (discardHeldRow.run({ id, error: `discarded by ${by}` }).changes !== 1) return false;
      counts.held -= 1;
      return true;
    },
    counts() {
      if (oldestPendingAt === undefined) {
        oldestPendingAt = oldestPending.get<{ created_at: string }>()?.created_at ?? null;
      }
      return { pending: counts.pending, rejected: counts.rejected, held: counts.held, oldestPendingAt };
    },
    pruneDelivered(before) {
      return prune.run({ before: before.toISOString() }).changes;
    },
    flush: flushNow,
    close() {
      if (waiting.length || outcomes.length) flushNow();
    }
  };
}
