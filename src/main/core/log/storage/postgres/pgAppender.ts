import { randomUUID } from 'node:crypto';
import { steadyNow } from '../../../clock';
import type { AppendFailure, AppendResult, CommitOp } from '../LogStorage';
import { writeBatch, type ChainPosition } from './pgBatch';
import { chainHeadMac, incarnationGenesis } from './pgChain';
import type { PgDatabase } from './pgDatabase';

export interface PgAppenderStats {
  /** Batches whose COMMIT lost its connection, resolved by txid_status (committed, aborted, unknown). */
  outcomeChecks: { committed: number; aborted: number; unknown: number };
  /** This node's current chain (a new one after each start and after each unknown outcome). */
  incarnation: string;
}

/** The write half of the PostgreSQL log storage (LogStorage's append side). */
export interface PgAppender {
  append(ops: readonly CommitOp[]): Promise<AppendResult>;
  acceptsBatch(): boolean;
  stats(): PgAppenderStats;
  /** Waits for the batch in flight. */
  close(): Promise<void>;
}

export interface PgAppenderOptions {
  pg: PgDatabase;
  /** The log MAC key, shared by every node (cluster configuration, not a data directory). */
  key: Buffer;
  node: string;
  /** Rows in the log when the node started (the writer's `totalRows`, then counted up by this node's inserts). */
  initialRows?: number;
  now?: () => number;
}

class PgAppendFailure extends Error implements AppendFailure {
  constructor(
    readonly stage: 'commit' | 'sync',
    override readonly cause: unknown
  ) {
    super(`${stage === 'commit' ? 'the commit to PostgreSQL failed' : 'the COMMIT lost its connection and its outcome is unknown'}: ${(cause as Error)?.message ?? String(cause)}`);
  }
  get code(): string | undefined {
    return (this.cause as { code?: string } | null)?.code;
  }
}

/**
 * Commits the log writer's batches to PostgreSQL, one at a time per node, in
 * this node incarnation's chain (pgBatch.ts). `append` resolves only after
 * COMMIT returned with synchronous_commit=on (pgDatabase.ts).
 *
 * When the connection drops during COMMIT the outcome is unknown: the batch's
 * transaction id is looked up with txid_status on another connection. Committed:
 * the batch is answered as usual. Aborted: a 'commit' failure ("not recorded").
 * Still unknown: a 'sync' failure ("may not have been recorded"; the device
 * resends with the same event id, which client_event_ids makes idempotent), and
 * the node starts a new chain incarnation, since it no longer knows its head.
 */
export async function startPgAppender(options: PgAppenderOptions): Promise<PgAppender> {
  const { pool } = options.pg;
  const now = options.now ?? steadyNow;
  let head: ChainPosition | null = await beginIncarnation(options);
  const stats: PgAppenderStats = { outcomeChecks: { committed: 0, aborted: 0, unknown: 0 }, incarnation: head.incarnation };
  let inFlight: Promise<unknown> | null = null;
  let totalRows = options.initialRows ?? 0;

  /** The fate of a transaction whose COMMIT lost its connection, asked on a fresh one (a few tries). */
  const transactionStatus = async (txid: string): Promise<string | null> => {
    for (let attempt = 0; attempt < 10; attempt += 1) {
      try {
        const res = await pool.query<{ status: string | null }>('SELECT txid_status($1::bigint) AS status', [txid]);
        const status = res.rows[0]?.status ?? null;
        if (status === 'committed' || status === 'aborted') return status;
      } catch {
        // the server may be restarting: ask again
      }
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    return null;
  };

  const commit = async (ops: readonly CommitOp[]): Promise<AppendResult> => {
    const started = performance.now();
    // After an unknown outcome the old chain's head is unknown: nothing is linked to it again.
    head ??= await beginIncarnation(options).catch((err: unknown) => {
      throw new PgAppendFailure('commit', err);
    });
    stats.incarnation = head.incarnation;
    const client = await pool.connect().catch((err: unknown) => {
      throw new PgAppendFailure('commit', err);
    });
    let txid = '';
    let batch;
    try {
      await client.query('BEGIN');
      txid = (await client.query<{ txid: string }>('SELECT txid_current()::text AS txid')).rows[0]!.txid;
      batch = await writeBatch(client, options.key, head, ops, now());
    } catch (err) {
      await client.query('ROLLBACK').catch(() => undefined);
      client.release(true);
      throw new PgAppendFailure('commit', err);
    }
    try {
      await client.query('COMMIT');
      client.release();
    } catch (err) {
      client.release(true);
      const status = await transactionStatus(txid);
      stats.outcomeChecks[status === 'committed' ? 'committed' : status === 'aborted' ? 'aborted' : 'unknown'] += 1;
      if (status !== 'committed') {
        if (status !== 'aborted') head = null;
        throw new PgAppendFailure(status === 'aborted' ? 'commit' : 'sync', err);
      }
    }
    head = batch.head;
    totalRows += batch.inserted;
    return { result: { outcomes: batch.outcomes, totalRows }, commitMs: performance.now() - started };
  };

  return {
    append(ops) {
      // Cleared before the caller sees the answer, so it can send the next batch from its callback.
      const running = commit(ops).finally(() => (inFlight = null));
      inFlight = running.catch(() => undefined);
      return running;
    },
    acceptsBatch: () => inFlight === null,
    stats: () => ({ ...stats, outcomeChecks: { ...stats.outcomeChecks } }),
    async close() {
      await inFlight;
    }
  };
}

/** Starts a new chain for this start of the node (a dead incarnation's chain simply ends). */
async function beginIncarnation(options: Pick<PgAppenderOptions, 'pg' | 'key' | 'node'>): Promise<ChainPosition> {
  const incarnation = `${options.node}/${randomUUID()}`;
  const mac = incarnationGenesis(options.key, incarnation);
  await options.pg.pool.query('INSERT INTO log_chains (incarnation, node, started_at, last_seq, last_mac, head_mac) VALUES ($1, $2, now(), 0, $3, $4)', [
    incarnation,
    options.node,
    mac,
    chainHeadMac(options.key, incarnation, 0, mac)
  ]);
  return { incarnation, seq: 0, mac };
}
