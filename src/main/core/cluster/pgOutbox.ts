import type { PgDatabase } from '../log/storage/postgres/pgDatabase';
import type pg from 'pg';
import { AppError } from '../errors';

export interface PgOutboxEntry {
  id: number;
  event: string;
  payload: Record<string, unknown>;
  idempotencyKey: string;
  attempts: number;
  createdAt: string;
  requestedBy: string | null;
  lastError: string | null;
}

/** How many messages are in each state, for the bridge's health on every node. */
export interface PgOutboxCounts {
  pending: number;
  rejected: number;
  held: number;
  oldestPendingAt: string | null;
}

export type OutboxOutcome = 'delivered' | 'rejected' | 'held' | 'discarded';

/** The lease a settle is made under: the database refuses it unless this is still the holder's epoch. */
export interface Fence {
  lease: string;
  incarnation: string;
  epoch: number;
}

export interface PgOutbox {
  /** Queues a message from any node; a second one with the same idempotency key returns the first's id, event and status. */
  enqueue(entry: NewPgOutboxEntry): Promise<EnqueueResult>;
  /** The same, inside the caller's open transaction. */
  enqueueIn(client: pg.ClientBase, entry: NewPgOutboxEntry): Promise<EnqueueResult>;
  /** Pending messages after `afterId`, oldest first: a new holder starts from 0 (the oldest pending). */
  pendingAfter(afterId: number, limit: number): Promise<PgOutboxEntry[]>;
  /** Settles a message under the lease; refused with FENCED when another node holds the lease now. */
  settle(id: number, outcome: OutboxOutcome, fence: Fence, details?: { attempts?: number; error?: string }): Promise<void>;
  /** Held messages, oldest first. */
  held(limit: number): Promise<PgOutboxEntry[]>;
  /**
   * A person's decision on a held message, taken on any node: back to pending
   * with a payload rebound to the current CAD epoch, or discarded. Guarded by
   * the status (two dispatchers deciding at once: one wins), not by the lease:
   * the holder only ever moves a message out of pending, never back into it.
   */
  release(id: number, payload: Record<string, unknown>): Promise<boolean>;
  discardHeld(id: number, reason: string): Promise<boolean>;
  counts(): Promise<PgOutboxCounts>;
  /** Deletes delivered messages settled before the cutoff; returns how many. */
  pruneDelivered(before: Date): Promise<number>;
}

export interface NewPgOutboxEntry {
  event: string;
  payload: Record<string, unknown>;
  idempotencyKey: string;
  requestedBy?: string | null;
}

export interface EnqueueResult {
  id: number;
  duplicate: boolean;
  /** The stored message's event and status (the first one's, for a duplicate). */
  event: string;
  status: string;
}

interface Row {
  id: number;
  event: string;
  payload: string;
  idempotency_key: string;
  attempts: number;
  created_at: Date;
  requested_by: string | null;
  last_error: string | null;
}
const COLUMNS = 'id, event, payload, idempotency_key, attempts, created_at, requested_by, last_error';
const toEntry = (r: Row): PgOutboxEntry => ({
  id: Number(r.id),
  event: r.event,
  payload: JSON.parse(r.payload) as Record<string, unknown>,
  idempotencyKey: r.idempotency_key,
  attempts: r.attempts,
  createdAt: r.created_at.toISOString(),
  requestedBy: r.requested_by,
  lastError: r.last_error
});

const ENQUEUE = `WITH next AS (UPDATE cad_outbox_ids SET last_id = last_id + 1 RETURNING last_id)
  INSERT INTO cad_outbox (id, event, payload, idempotency_key, requested_by) SELECT last_id, $1, $2, $3, $4 FROM next
  ON CONFLICT (idempotency_key) DO NOTHING RETURNING id`;

/**
 * The CAD outbox on PostgreSQL. Any node enqueues; only the lease holder
 * delivers and settles, each settle fenced by the lease epoch in the same
 * statement, so a node that lost the lease (paused, partitioned) cannot mark a
 * message delivered behind the new holder's back. Ids are taken from one
 * counter row inside the enqueueing transaction: its row lock orders the
 * enqueuers, so ids commit in order and a reader walking ids never skips one.
 */
export function createPgOutbox(pgdb: PgDatabase): PgOutbox {
  const { pool } = pgdb;
  const enqueueIn: PgOutbox['enqueueIn'] = async (client, entry) => {
    const inserted = await client.query<{ id: number }>(ENQUEUE, [entry.event, JSON.stringify(entry.payload), entry.idempotencyKey, entry.requestedBy ?? null]);
    if (inserted.rows[0]) return { id: Number(inserted.rows[0].id), duplicate: false, event: entry.event, status: 'pending' };
    const existing = await client.query<{ id: number; event: string; status: string }>('SELECT id, event, status FROM cad_outbox WHERE idempotency_key = $1', [entry.idempotencyKey]);
    const row = existing.rows[0]!;
    return { id: Number(row.id), duplicate: true, event: row.event, status: row.status };
  };
  return {
    enqueueIn,
    async enqueue(entry) {
      const client = await pool.connect();
      try {
        await client.query('BEGIN');
        const result = await enqueueIn(client, entry);
        await client.query('COMMIT');
        return result;
      } catch (err) {
        await client.query('ROLLBACK').catch(() => undefined);
        throw err;
      } finally {
        client.release();
      }
    },
    async pendingAfter(afterId, limit) {
      const res = await pool.query<Row>(`SELECT ${COLUMNS} FROM cad_outbox WHERE status = 'pending' AND id > $1 ORDER BY id LIMIT $2`, [afterId, limit]);
      return res.rows.map(toEntry);
    },
    async settle(id, outcome, fence, details = {}) {
      const res = await pool.query(
        `UPDATE cad_outbox SET status = $2, attempts = coalesce($6, attempts), last_error = $7, settled_at = now(), settled_epoch = $5
         WHERE id = $1 AND status = 'pending'
           AND EXISTS (SELECT 1 FROM leases WHERE name = $3 AND holder_incarnation = $4 AND epoch = $5 AND expires_at > now())`,
        [id, outcome, fence.lease, fence.incarnation, fence.epoch, details.attempts ?? null, details.error ?? null]
      );
      if (res.rowCount === 1) return;
      const row = await pool.query<{ status: string }>('SELECT status FROM cad_outbox WHERE id = $1', [id]);
      if (!row.rows[0]) throw new AppError('NOT_FOUND', `Outbox message ${id} does not exist.`);
      if (row.rows[0].status !== 'pending') return; // settled already (a resend the CAD de-duplicated)
      throw new AppError('CONFLICT', `Outbox message ${id} was not settled: this node no longer holds the CAD link lease (epoch ${fence.epoch} is fenced off).`);
    },
    async held(limit) {
      const res = await pool.query<Row>(`SELECT ${COLUMNS} FROM cad_outbox WHERE status = 'held' ORDER BY id LIMIT $1`, [limit]);
      return res.rows.map(toEntry);
    },
    async release(id, payload) {
      const res = await pool.query("UPDATE cad_outbox SET status = 'pending', payload = $2, last_error = NULL WHERE id = $1 AND status = 'held'", [id, JSON.stringify(payload)]);
      return res.rowCount === 1;
    },
    async discardHeld(id, reason) {
      const res = await pool.query("UPDATE cad_outbox SET status = 'discarded', last_error = $2, settled_at = now() WHERE id = $1 AND status = 'held'", [id, reason.slice(0, 1000)]);
      return res.rowCount === 1;
    },
    async counts() {
      // One partial index per question (migration 003): no scan over the delivered history.
      const res = await pool.query<{ pending: number; rejected: number; held: number; oldest: Date | null }>(
        `SELECT (SELECT count(*)::int FROM cad_outbox WHERE status = 'pending') AS pending,
                (SELECT count(*)::int FROM cad_outbox WHERE status = 'rejected') AS rejected,
                (SELECT count(*)::int FROM cad_outbox WHERE status = 'held') AS held,
                (SELECT created_at FROM cad_outbox WHERE status = 'pending' ORDER BY id LIMIT 1) AS oldest`
      );
      const r = res.rows[0]!;
      return { pending: r.pending, rejected: r.rejected, held: r.held, oldestPendingAt: r.oldest?.toISOString() ?? null };
    },
    async pruneDelivered(before) {
      const res = await pool.query("DELETE FROM cad_outbox WHERE status = 'delivered' AND settled_at < $1", [before]);
      return res.rowCount ?? 0;
    }
  };
}
