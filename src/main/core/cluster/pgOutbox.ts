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
}

export type OutboxOutcome = 'delivered' | 'rejected' | 'held' | 'discarded';

/** The lease a settle is made under: the database refuses it unless this is still the holder's epoch. */
export interface Fence {
  lease: string;
  incarnation: string;
  epoch: number;
}

export interface PgOutbox {
  /** Queues a message from any node; a second one with the same idempotency key returns the first's id. */
  enqueue(entry: { event: string; payload: Record<string, unknown>; idempotencyKey: string; requestedBy?: string | null }): Promise<{ id: number; duplicate: boolean }>;
  /** The same, inside the caller's open transaction. */
  enqueueIn(client: pg.ClientBase, entry: { event: string; payload: Record<string, unknown>; idempotencyKey: string; requestedBy?: string | null }): Promise<{ id: number; duplicate: boolean }>;
  /** Pending messages after `afterId`, oldest first: a new holder starts from 0 (the oldest pending). */
  pendingAfter(afterId: number, limit: number): Promise<PgOutboxEntry[]>;
  /** Settles a message under the lease; refused with FENCED when another node holds the lease now. */
  settle(id: number, outcome: OutboxOutcome, fence: Fence, details?: { attempts?: number; error?: string }): Promise<void>;
}

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
    if (inserted.rows[0]) return { id: inserted.rows[0].id, duplicate: false };
    const existing = await client.query<{ id: number }>('SELECT id FROM cad_outbox WHERE idempotency_key = $1', [entry.idempotencyKey]);
    return { id: existing.rows[0]!.id, duplicate: true };
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
      const res = await pool.query<{ id: number; event: string; payload: string; idempotency_key: string; attempts: number; created_at: Date }>(
        "SELECT id, event, payload, idempotency_key, attempts, created_at FROM cad_outbox WHERE status = 'pending' AND id > $1 ORDER BY id LIMIT $2",
        [afterId, limit]
      );
      return res.rows.map((r) => ({ id: r.id, event: r.event, payload: JSON.parse(r.payload) as Record<string, unknown>, idempotencyKey: r.idempotency_key, attempts: r.attempts, createdAt: r.created_at.toISOString() }));
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
    }
  };
}
