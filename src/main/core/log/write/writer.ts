import type { Logger } from 'pino';
import type { Database } from '../../db/database';
import type { WalSync } from '../../db/walSync';
import { isoAt, steadyNow } from '../../clock';
import { AppError } from '../../errors';
import { createRepeatedErrorLog } from '../../repeatedErrors';
import type { LogKeys } from '../store/chain';
import type { LogStatements } from '../store/statements';
import type { AppendFailure, AppendResult, LogStorage } from '../storage/LogStorage';
import { createSqliteAppender } from '../storage/sqlite/sqliteAppender';
import type { CommitThread } from './commitThread';
import type { AccessChannel, CommitOp } from './groupCommit';
import { normalizeEntry, normalizeUpdate, type PendingRow, type PendingUpdate } from './normalize';
import { scrubJson, type ValueScrubber } from './scrub';
import type { NewSocketLog, SocketLogUpdate, SocketLogWriter } from '../types';

export type { AccessChannel };

/** One read or export of the log, as the access log records it. */
export interface AccessEntryInput {
  actor: string;
  actorRole: string | null;
  channel: AccessChannel;
  query: string;
  params: unknown;
  rowCount: number;
}

export interface WriterStats {
  /** Rows inserted since start. */
  insertedRows: number;
  /** Rows in the log (from the sealed head). */
  totalRows: number;
  queueDepth: number;
  /** Duration of the last group commit. */
  lastCommitMs: number;
  batches: number;
  /** Where the next group commit runs: on the commit thread, or inline (starting, unavailable or configured). */
  committing: 'thread' | 'inline';
}

export interface LogWriter extends SocketLogWriter {
  recordAccess(entry: AccessEntryInput): Promise<{ id: number }>;
  stats(): WriterStats;
  /** How long the oldest unanswered operation has waited, ms (0 when none): the hub sheds load on it. */
  lagMs(): number;
  /** Commits what is queued and refuses new work. */
  close(): Promise<void>;
}

/** The writer on SQLite with its storage's statements (retention and the CLI use them). */
export interface GroupCommitWriter extends LogWriter {
  statements: LogStatements;
}

interface Deferred<T> {
  resolve(value: T): void;
  reject(err: unknown): void;
}

/** A queued op, its caller's promise, and when it was queued (performance.now). */
interface Queued {
  op: CommitOp;
  done: Deferred<unknown>;
  at: number;
}

/** The writer's own settings, whatever stores the log. */
export interface LogWriterOptions {
  /** The write path of the log's storage (storage/LogStorage.ts). */
  storage: Pick<LogStorage, 'append' | 'acceptsBatch' | 'committing' | 'totalRows'>;
  scrubber: ValueScrubber;
  logger: Logger;
  maxBatch?: number;
  /** Under load, start group commits at most this often (see LogConfig); default 0. */
  minCommitIntervalMs?: number;
  now?: () => number;
  /**
   * The file guard (fileGuard.ts): while it refuses, no event is taken and no
   * batch in flight is acknowledged; commit and sync errors are shown to it.
   */
  guard?: { refusal(): AppError | null; onCommitError(err: unknown): void };
}

/** The writer on SQLite in one call (tests, benchmarks, the CLI): the storage's write path is built from these. */
export interface WriterOptions extends Omit<LogWriterOptions, 'storage'> {
  database: Pick<Database, 'db' | 'sqlite' | 'file'>;
  keys: Pick<LogKeys, 'mac'>;
  /** Makes inline commits durable off the event loop (see db/walSync.ts); one on the database's WAL by default. */
  walSync?: WalSync;
  /**
   * 'thread' commits on a worker thread with its own connection (commitThread.ts),
   * falling back to inline while it starts or if it cannot run; 'inline' (default)
   * commits on the calling thread. Injected clocks and syncs need 'inline'.
   */
  commitOn?: 'thread' | 'inline';
  /** A commit thread started by the caller (tests); implies 'thread'. */
  thread?: CommitThread;
}

export function createGroupCommitWriter(options: WriterOptions): GroupCommitWriter {
  const now = options.now ?? steadyNow;
  const storage = createSqliteAppender({ database: options.database, key: options.keys.mac, logger: options.logger, now, walSync: options.walSync, commitOn: options.commitOn, thread: options.thread });
  const writer = createLogWriter({ ...options, now, storage });
  return {
    ...writer,
    statements: storage.statements,
    async close() {
      await writer.close();
      await storage.close();
    }
  };
}

/**
 * The one writer of the socket log, used by the hub, the bridge and the access
 * log. What is queued is committed in one transaction (groupCommit.ts) at most
 * every `minCommitIntervalMs`, and each caller's promise resolves only after
 * that commit is on disk, so the hub can acknowledge a device as soon as its
 * event is durable. Entries are checked and scrubbed here, on the caller's
 * thread, so a bad one is refused on its own.
 *
 * Where and how a batch is committed is the storage's business (LogStorage.append:
 * on SQLite, the commit thread or inline); the writer only sends it the next batch
 * when it takes one (`acceptsBatch`) and answers every caller from its result.
 */
export function createLogWriter(options: LogWriterOptions): LogWriter {
  const { storage } = options;
  // Log times never go back, even when the wall clock steps (clock.ts).
  const now = options.now ?? steadyNow;
  const maxBatch = options.maxBatch ?? 5_000;
  const minCommitIntervalMs = options.minCommitIntervalMs ?? 0;
  let lastCommitStarted = -Infinity;
  // A full disk fails every batch alike (one every few ms): one line per interval with a count.
  const commitFailures = createRepeatedErrorLog(options.logger, 'socket log group commit failed; the batch was rolled back');

  let queue: Queued[] = [];
  /** Batches committing or syncing, oldest first (at most a few). */
  const inFlight = new Set<Queued[]>();
  let scheduled = false;
  let closed = false;
  let flushWaiters: Array<() => void> = [];
  const stats: WriterStats = { insertedRows: 0, totalRows: storage.totalRows(), queueDepth: 0, lastCommitMs: 0, batches: 0, committing: 'inline' };

  const idle = () => queue.length === 0 && inFlight.size === 0;

  const settle = (batch: Queued[], { result, commitMs }: AppendResult) => {
    const refused = options.guard?.refusal();
    if (refused) {
      // Committed, perhaps, but into files the guard no longer trusts: no acknowledgement rests on them.
      inFlight.delete(batch);
      for (const { done } of batch) done.reject(refused);
      return;
    }
    inFlight.delete(batch);
    stats.lastCommitMs = commitMs;
    if (result.totalRows !== undefined) stats.totalRows = result.totalRows;
    stats.batches += 1;
    batch.forEach(({ op, done }, i) => {
      const outcome = result.outcomes[i];
      if (outcome !== undefined && typeof outcome === 'object' && 'duplicateOf' in outcome) {
        done.resolve({ id: outcome.duplicateOf, createdAt: isoAt(outcome.createdAt), duplicate: true });
      } else if (typeof outcome !== 'number') done.reject(new AppError('NOT_FOUND', outcome?.message ?? 'Not found.'));
      else if (op.kind === 'insert') {
        stats.insertedRows += 1;
        done.resolve({ id: outcome, createdAt: isoAt(op.row.created_at) });
      } else if (op.kind === 'update') done.resolve(undefined);
      else done.resolve({ id: outcome });
    });
  };

  const fail = (batch: Queued[], err: AppendFailure) => {
    const { stage } = err;
    // A failed commit rolled back; after a failed sync or a lost thread the rows may or may not be on disk.
    const failure =
      stage === 'commit'
        ? new AppError('UNAVAILABLE', 'The socket log could not commit this event; it was not recorded.')
        : new AppError('UNAVAILABLE', 'The socket log could not make this event durable; it may not have been recorded.');
    inFlight.delete(batch);
    options.guard?.onCommitError(err);
    if (stage === 'commit') commitFailures.report(err, { ops: batch.length });
    for (const { done } of batch) done.reject(failure);
  };

  const commit = (batch: Queued[]) => {
    storage.append(batch.map((q) => q.op)).then(
      (appended) => {
        settle(batch, appended);
        afterBatch();
      },
      (err: AppendFailure) => {
        fail(batch, err);
        afterBatch();
      }
    );
  };

  const runBatch = () => {
    scheduled = false;
    if (!storage.acceptsBatch()) return; // an append's answer reschedules
    const batch = queue.length > maxBatch ? queue.splice(0, maxBatch) : queue;
    if (batch === queue) queue = [];
    if (queue.length > 0) schedule();
    stats.queueDepth = queue.length;
    if (batch.length === 0) return releaseFlushWaiters();
    lastCommitStarted = performance.now();
    inFlight.add(batch);
    commit(batch);
  };

  const afterBatch = () => {
    if (queue.length > 0) schedule();
    releaseFlushWaiters();
  };

  const releaseFlushWaiters = () => {
    if (!idle() || flushWaiters.length === 0) return;
    const waiters = flushWaiters;
    flushWaiters = [];
    waiters.forEach((w) => w());
  };

  const schedule = () => {
    if (scheduled) return;
    scheduled = true;
    const wait = lastCommitStarted + minCommitIntervalMs - performance.now();
    if (wait >= 1) setTimeout(runBatch, wait);
    else setImmediate(runBatch);
  };

  const enqueue = <T>(op: CommitOp): Promise<T> => {
    if (closed) return Promise.reject(new AppError('UNAVAILABLE', 'The socket log is closed.'));
    const refused = options.guard?.refusal();
    if (refused) return Promise.reject(refused);
    return new Promise<T>((resolve, reject) => {
      queue.push({ op, done: { resolve: resolve as (v: unknown) => void, reject }, at: performance.now() });
      stats.queueDepth = queue.length;
      schedule();
    });
  };

  return {
    createSocketLog(entry: NewSocketLog) {
      let row: PendingRow;
      try {
        row = normalizeEntry(entry, options.scrubber, now());
      } catch (err) {
        return Promise.reject(err);
      }
      const ref = entry.clientEventId ? { owner: `${entry.userRole ?? ''}:${entry.userId ?? ''}`, eventId: entry.clientEventId } : undefined;
      return enqueue(ref ? { kind: 'insert', row, clientEvent: ref } : { kind: 'insert', row });
    },
    updateSocketLog(id: number, update: SocketLogUpdate) {
      let pending: PendingUpdate;
      try {
        pending = normalizeUpdate(id, update, options.scrubber);
      } catch (err) {
        return Promise.reject(err);
      }
      return enqueue<void>({ kind: 'update', id, update: pending });
    },
    recordAccess(entry) {
      const paramsJson = scrubJson(entry.params ?? {}, options.scrubber, 8 * 1024) ?? '{}';
      return enqueue({
        kind: 'access',
        entry: { at: now(), actor: entry.actor.slice(0, 128), actorRole: entry.actorRole, channel: entry.channel, query: entry.query.slice(0, 128), paramsJson, rowCount: entry.rowCount }
      });
    },
    flush() {
      if (idle()) return Promise.resolve();
      return new Promise<void>((resolve) => flushWaiters.push(resolve));
    },
    stats: () => ({ ...stats, queueDepth: queue.length, committing: storage.committing() }),
    lagMs() {
      let oldest = queue.length > 0 ? queue[0]!.at : Infinity;
      for (const batch of inFlight) if (batch[0]!.at < oldest) oldest = batch[0]!.at;
      return oldest === Infinity ? 0 : performance.now() - oldest;
    },
    async close() {
      if (closed) return;
      closed = true;
      // Drain: each append's answer reschedules runBatch; wait until nothing is queued or in flight.
      while (!idle()) await new Promise<void>((resolve) => {
        flushWaiters.push(resolve);
        schedule();
      });
      commitFailures.close();
    }
  };
}
