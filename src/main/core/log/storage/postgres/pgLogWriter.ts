import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import { isoAt, steadyNow } from '../../../clock';
import { AppError } from '../../../errors';
import { createRepeatedErrorLog } from '../../../repeatedErrors';
import { normalizeEntry, normalizeUpdate } from '../../write/normalize';
import type { ValueScrubber } from '../../write/scrub';
import type { NewSocketLog, SocketLogUpdate, SocketLogWriter } from '../../types';
import { writeBatch, type BatchResult, type ChainPosition, type PgLogOp } from './pgBatch';
import { chainHeadMac, incarnationGenesis } from './pgChain';
import type { PgDatabase } from './pgDatabase';

export interface PgLogWriterStats {
  insertedRows: number;
  batches: number;
  queueDepth: number;
  lastCommitMs: number;
  /** Batches whose COMMIT lost its connection, resolved by txid_status (committed, aborted, unknown). */
  outcomeChecks: { committed: number; aborted: number; unknown: number };
  incarnation: string;
}

export interface PgLogWriter extends SocketLogWriter {
  lagMs(): number;
  stats(): PgLogWriterStats;
  /** Commits what is queued and refuses new work. */
  close(): Promise<void>;
}

export interface PgLogWriterOptions {
  pg: PgDatabase;
  /** The log MAC key, shared by every node (cluster configuration, not a data directory). */
  key: Buffer;
  node: string;
  scrubber: ValueScrubber;
  logger: Logger;
  maxBatch?: number;
  now?: () => number;
}

interface Queued {
  op: PgLogOp;
  resolve(value: unknown): void;
  reject(err: unknown): void;
  at: number;
}

/** Thrown by a batch: whether it surely did not commit, or nobody can tell. */
class BatchFailure extends Error {
  constructor(
    readonly outcome: 'rolled-back' | 'unknown',
    readonly reason: unknown
  ) {
    super(outcome);
  }
}

const NOT_RECORDED = 'The socket log could not commit this event; it was not recorded.';
const MAYBE_RECORDED = 'The socket log lost its database connection while committing this event; it may not have been recorded. Send it again with the same event_id.';

/**
 * The socket log's writer on PostgreSQL, one per node. Like the SQLite writer it
 * group-commits what arrives while the previous batch commits, and answers each
 * caller only after COMMIT returned (synchronous_commit=on, see pgDatabase.ts).
 * One batch is in flight at a time: the node's chain is linked in commit order.
 *
 * When the connection drops during COMMIT the outcome is unknown: the batch's
 * transaction id is looked up with txid_status on another connection. Committed:
 * the callers are answered as usual. Aborted: "not recorded". Still unknown: "may
 * not have been recorded" (the device resends with the same event_id, which the
 * client_event_ids table makes idempotent), and this node starts a new chain
 * incarnation, since it no longer knows its chain's head.
 */
export async function startPgLogWriter(options: PgLogWriterOptions): Promise<PgLogWriter> {
  const { pool } = options.pg;
  const now = options.now ?? steadyNow;
  const maxBatch = options.maxBatch ?? 5_000;
  const failures = createRepeatedErrorLog(options.logger, 'socket log commit to PostgreSQL failed');
  let head: ChainPosition | null = await beginIncarnation(options);
  const stats: PgLogWriterStats = { insertedRows: 0, batches: 0, queueDepth: 0, lastCommitMs: 0, outcomeChecks: { committed: 0, aborted: 0, unknown: 0 }, incarnation: head.incarnation };
  let queue: Queued[] = [];
  let inFlight: Queued[] | null = null;
  let scheduled = false;
  let closed = false;
  let flushWaiters: Array<() => void> = [];

  const commit = async (from: ChainPosition, ops: PgLogOp[]): Promise<BatchResult> => {
    const client = await pool.connect().catch((err: unknown) => {
      throw new BatchFailure('rolled-back', err);
    });
    let txid: string | null = null;
    let result: BatchResult | null = null;
    try {
      await client.query('BEGIN');
      txid = (await client.query<{ txid: string }>('SELECT txid_current()::text AS txid')).rows[0]!.txid;
      result = await writeBatch(client, options.key, options.node, from, ops);
    } catch (err) {
      await client.query('ROLLBACK').catch(() => undefined);
      client.release(true);
      throw new BatchFailure('rolled-back', err);
    }
    try {
      await client.query('COMMIT');
      client.release();
      return result;
    } catch (err) {
      client.release(true);
      const status = await transactionStatus(txid);
      stats.outcomeChecks[status === 'committed' ? 'committed' : status === 'aborted' ? 'aborted' : 'unknown'] += 1;
      if (status === 'committed') return result;
      throw new BatchFailure(status === 'aborted' ? 'rolled-back' : 'unknown', err);
    }
  };

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

  const runBatch = async () => {
    scheduled = false;
    if (inFlight || queue.length === 0) return releaseFlushWaiters();
    const batch = queue.length > maxBatch ? queue.splice(0, maxBatch) : queue;
    if (batch === queue) queue = [];
    inFlight = batch;
    const started = performance.now();
    try {
      // After an unknown outcome the old chain's head is unknown: nothing is linked to it again.
      head ??= await beginIncarnation(options).catch((err: unknown) => {
        throw new BatchFailure('rolled-back', err);
      });
      const result = await commit(head, batch.map((q) => q.op));
      head = result.head;
      stats.insertedRows += result.inserted;
      stats.batches += 1;
      stats.lastCommitMs = performance.now() - started;
      batch.forEach((q, i) => {
        const outcome = result.outcomes[i]!;
        if (outcome.kind === 'inserted') q.resolve({ id: outcome.id, createdAt: isoAt(outcome.createdAt) });
        else if (outcome.kind === 'duplicate') q.resolve({ id: outcome.id, createdAt: isoAt(outcome.createdAt), duplicate: true });
        else if (outcome.kind === 'updated') q.resolve(undefined);
        else q.reject(new AppError('NOT_FOUND', outcome.message));
      });
    } catch (err) {
      const failure = err instanceof BatchFailure ? err : new BatchFailure('rolled-back', err);
      failures.report(failure.reason, { ops: batch.length, outcome: failure.outcome });
      const answer = new AppError('UNAVAILABLE', failure.outcome === 'unknown' ? MAYBE_RECORDED : NOT_RECORDED);
      for (const q of batch) q.reject(answer);
      if (failure.outcome === 'unknown') head = await beginIncarnation(options).catch(() => null);
      if (head) stats.incarnation = head.incarnation;
    } finally {
      inFlight = null;
      if (queue.length > 0) schedule();
      else releaseFlushWaiters();
    }
  };

  const schedule = () => {
    if (scheduled || inFlight) return;
    scheduled = true;
    setImmediate(() => void runBatch());
  };

  const releaseFlushWaiters = () => {
    if (queue.length > 0 || inFlight || flushWaiters.length === 0) return;
    const waiters = flushWaiters;
    flushWaiters = [];
    waiters.forEach((w) => w());
  };

  const enqueue = <T>(op: PgLogOp): Promise<T> => {
    if (closed) return Promise.reject(new AppError('UNAVAILABLE', 'The socket log is closed.'));
    return new Promise<T>((resolve, reject) => {
      queue.push({ op, resolve: resolve as (v: unknown) => void, reject, at: performance.now() });
      schedule();
    });
  };

  const flush = () => (queue.length === 0 && !inFlight ? Promise.resolve() : new Promise<void>((resolve) => flushWaiters.push(resolve)));

  return {
    createSocketLog(entry: NewSocketLog) {
      try {
        const row = normalizeEntry(entry, options.scrubber, now());
        const clientEvent = entry.clientEventId ? { owner: `${entry.userRole ?? ''}:${entry.userId ?? ''}`, eventId: entry.clientEventId } : undefined;
        return enqueue(clientEvent ? { kind: 'insert', row, clientEvent } : { kind: 'insert', row });
      } catch (err) {
        return Promise.reject(err);
      }
    },
    updateSocketLog(id: number, update: SocketLogUpdate) {
      try {
        return enqueue<void>({ kind: 'update', id, update: normalizeUpdate(id, update, options.scrubber), at: now() });
      } catch (err) {
        return Promise.reject(err);
      }
    },
    flush,
    lagMs() {
      const oldest = inFlight?.[0]?.at ?? queue[0]?.at;
      return oldest === undefined ? 0 : performance.now() - oldest;
    },
    stats: () => ({ ...stats, queueDepth: queue.length, outcomeChecks: { ...stats.outcomeChecks } }),
    async close() {
      if (closed) return;
      closed = true;
      await flush();
      failures.close();
    }
  };
}

/** Starts a new chain for this start of the node (a dead incarnation's chain simply ends). */
async function beginIncarnation(options: Pick<PgLogWriterOptions, 'pg' | 'key' | 'node'>): Promise<ChainPosition> {
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
