import type { Logger } from 'pino';
import type { Database } from '../db/database';
import { createWalSync, type WalSync } from '../db/walSync';
import { AppError } from '../errors';
import { accessMac, rowMac, stateCanon, stateDigest, updateMac, type ChainHead, type LogKeys, type RowState } from './chain';
import { normalizeEntry, normalizeUpdate, type PendingRow, type PendingUpdate } from './normalize';
import { scrubJson, type ValueScrubber } from './scrub';
import { CounterBatch, createLogStatements, ensureHeads, readHead, writeHead, type LogStatements } from './statements';
import type { NewSocketLog, SocketLogUpdate, SocketLogWriter } from './types';

export type AccessChannel = 'rest' | 'console' | 'cli';

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
}

export interface GroupCommitWriter extends SocketLogWriter {
  recordAccess(entry: AccessEntryInput): Promise<{ id: number }>;
  stats(): WriterStats;
  /** Commits what is queued and refuses new work. */
  close(): Promise<void>;
  statements: LogStatements;
}

interface Deferred<T> {
  resolve(value: T): void;
  reject(err: unknown): void;
}

type Op =
  | { kind: 'insert'; row: PendingRow; done: Deferred<{ id: number; createdAt: string }>; id?: number }
  | { kind: 'update'; id: number; update: PendingUpdate; done: Deferred<void>; error?: AppError }
  | { kind: 'access'; entry: AccessEntryInput & { at: number; paramsJson: string }; done: Deferred<{ id: number }>; id?: number };

export interface WriterOptions {
  database: Pick<Database, 'db' | 'sqlite' | 'file'>;
  keys: Pick<LogKeys, 'mac'>;
  scrubber: ValueScrubber;
  logger: Logger;
  maxBatch?: number;
  /** Under load, start group commits at most this often (see LogConfig); default 0. */
  minCommitIntervalMs?: number;
  now?: () => number;
  /** Makes commits durable off the event loop (see db/walSync.ts); one on the database's WAL by default. */
  walSync?: WalSync;
}

const maxId = (row: { max_id: number | null } | undefined) => Number(row?.max_id ?? 0);

/**
 * The one writer of the socket log, used by the hub, the bridge and the access
 * log. Everything queued during one turn of the event loop is committed in one
 * transaction (scheduled with setImmediate, which runs after the turn's I/O
 * callbacks), and each caller's promise resolves only after that commit, so the
 * hub can acknowledge a device as soon as its event is durable.
 *
 * Chain heads are read inside each write transaction (BEGIN IMMEDIATE holds the
 * write lock), never cached, so a CLI command writing to the same file (retention,
 * access records) cannot fork a chain.
 */
export function createGroupCommitWriter(options: WriterOptions): GroupCommitWriter {
  const { sqlite, db } = options.database;
  const key = options.keys.mac;
  const now = options.now ?? Date.now;
  const maxBatch = options.maxBatch ?? 5_000;
  const minCommitIntervalMs = options.minCommitIntervalMs ?? 0;
  let lastCommitStarted = -Infinity;
  const st = createLogStatements(db, sqlite);
  ensureHeads(st, sqlite, key);
  const walSync = options.walSync ?? createWalSync(`${options.database.file}-wal`, { logger: options.logger });
  // Group commits skip SQLite's in-commit fsync; walSync syncs before any caller hears back.
  // The connection goes back to FULL after each commit for its other writers (bridge outbox, registries).
  const syncNormal = sqlite.prepare('PRAGMA synchronous = NORMAL');
  const syncFull = sqlite.prepare('PRAGMA synchronous = FULL');

  let queue: Op[] = [];
  let scheduled = false;
  let closed = false;
  let flushWaiters: Array<() => void> = [];
  const stats: WriterStats = { insertedRows: 0, totalRows: readHead(st, 'rows').record_count, queueDepth: 0, lastCommitMs: 0, batches: 0 };

  const applyInsert = (op: Extract<Op, { kind: 'insert' }>, head: ChainHead, nextId: number, counters: CounterBatch) => {
    const r = op.row as PendingRow & { id: number; version: number; mac: Buffer };
    r.id = nextId;
    r.version = 0;
    r.mac = rowMac(key, head.head_mac, r, stateCanon(r));
    st.insertRow.run(r as unknown as Record<string, unknown>);
    const mac = r.mac;
    counters.add(r.created_at, r.event_type, r.status, r.user_role, 1, r.response_time_ms);
    head.head_id = nextId;
    head.head_mac = mac;
    head.record_count += 1;
    op.id = nextId;
  };

  const applyUpdate = (op: Extract<Op, { kind: 'update' }>, head: ChainHead, nextId: number, counters: CounterBatch, at: number) => {
    const current = st.rowState.get<RowState & { id: number; created_at: number; event_type: string; user_role: string | null }>({ id: op.id });
    if (!current) {
      op.error = new AppError('NOT_FOUND', `No socket log row with id ${op.id}.`);
      return false;
    }
    const next: RowState = { ...current, ...op.update, version: Number(current.version) + 1 };
    // The row is processed once it has an outcome; processed_at records when.
    const outcome = next.status !== 'pending' || next.processed === 1;
    if (outcome) next.processed = 1;
    if (outcome && current.processed_at === null) next.processed_at = at;
    const before = stateDigest(current);
    const after = stateDigest(next);
    // The first update keeps the row's initial state: the insert MAC covers it (see chain.ts).
    const changes = JSON.stringify(next.version === 1 ? { set: op.update, initial: stateCanon(current) } : { set: op.update });
    const record = { id: nextId, log_id: op.id, version: next.version, at, changes, before_digest: before, after_digest: after };
    const mac = updateMac(key, head.head_mac, record);
    st.insertUpdate.run({ ...record, mac });
    st.updateRowState.run({ ...next, id: op.id });
    if (current.status !== next.status || current.response_time_ms !== next.response_time_ms) {
      counters.add(Number(current.created_at), current.event_type, current.status, current.user_role, -1, current.response_time_ms);
      counters.add(Number(current.created_at), current.event_type, next.status, current.user_role, 1, next.response_time_ms);
    }
    head.head_id = nextId;
    head.head_mac = mac;
    head.record_count += 1;
    return true;
  };

  const applyAccess = (op: Extract<Op, { kind: 'access' }>, head: ChainHead, nextId: number) => {
    const e = op.entry;
    const record = { id: nextId, at: e.at, actor: e.actor, actor_role: e.actorRole, channel: e.channel, query: e.query, params: e.paramsJson, row_count: e.rowCount };
    const mac = accessMac(key, head.head_mac, record);
    st.insertAccess.run({ ...record, mac });
    head.head_id = nextId;
    head.head_mac = mac;
    head.record_count += 1;
    op.id = nextId;
  };

  const commit = sqlite.transaction((ops: Op[]) => {
    const at = now();
    const counters = new CounterBatch();
    let rows: ChainHead | null = null;
    let updates: ChainHead | null = null;
    let access: ChainHead | null = null;
    let nextRow = 0;
    let nextUpdate = 0;
    let nextAccess = 0;
    for (const op of ops) {
      if (op.kind === 'insert') {
        if (!rows) {
          rows = readHead(st, 'rows');
          nextRow = Math.max(rows.head_id, maxId(st.maxRowId.get({}))) + 1;
        }
        applyInsert(op, rows, nextRow++, counters);
      } else if (op.kind === 'update') {
        if (!updates) {
          updates = readHead(st, 'updates');
          nextUpdate = Math.max(updates.head_id, maxId(st.maxUpdateId.get({}))) + 1;
        }
        if (applyUpdate(op, updates, nextUpdate, counters, at)) nextUpdate += 1;
      } else {
        if (!access) {
          access = readHead(st, 'access');
          nextAccess = Math.max(access.head_id, maxId(st.maxAccessId.get({}))) + 1;
        }
        applyAccess(op, access, nextAccess++);
      }
    }
    counters.apply(st);
    for (const head of [rows, updates, access]) if (head) writeHead(st, key, head);
    return (rows as ChainHead | null)?.record_count;
  });

  const settle = (ops: Op[], syncError: Error | null) => {
    if (syncError) {
      const failure = new AppError('UNAVAILABLE', 'The socket log could not make this event durable; it may not have been recorded.');
      for (const op of ops) op.done.reject(failure);
      return;
    }
    for (const op of ops) {
      if (op.kind === 'insert') op.done.resolve({ id: op.id!, createdAt: new Date(op.row.created_at).toISOString() });
      else if (op.kind === 'update') {
        if (op.error) op.done.reject(op.error);
        else op.done.resolve();
      } else op.done.resolve({ id: op.id! });
    }
  };

  const runBatch = () => {
    scheduled = false;
    const ops = queue.length > maxBatch ? queue.splice(0, maxBatch) : queue;
    if (ops === queue) queue = [];
    if (queue.length > 0) schedule();
    stats.queueDepth = queue.length;
    if (ops.length === 0) return releaseFlushWaiters();
    const started = performance.now();
    lastCommitStarted = started;
    let rowCount: number | undefined;
    syncNormal.run();
    try {
      rowCount = commit.immediate(ops);
    } catch (err) {
      options.logger.error({ err, ops: ops.length }, 'socket log group commit failed; the batch was rolled back');
      const failure = new AppError('UNAVAILABLE', 'The socket log could not commit this event; it was not recorded.');
      for (const op of ops) op.done.reject(failure);
      return releaseFlushWaiters();
    } finally {
      syncFull.run();
    }
    stats.lastCommitMs = performance.now() - started;
    stats.batches += 1;
    if (rowCount !== undefined) stats.totalRows = rowCount;
    for (const op of ops) if (op.kind === 'insert') stats.insertedRows += 1;
    walSync.afterCommit((err) => {
      settle(ops, err);
      releaseFlushWaiters();
    });
  };

  const releaseFlushWaiters = () => {
    if (queue.length > 0 || walSync.pending() > 0 || flushWaiters.length === 0) return;
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

  const enqueue = <T>(make: (done: Deferred<T>) => Op): Promise<T> => {
    if (closed) return Promise.reject(new AppError('UNAVAILABLE', 'The socket log is closed.'));
    return new Promise<T>((resolve, reject) => {
      queue.push(make({ resolve, reject }));
      stats.queueDepth = queue.length;
      schedule();
    });
  };

  return {
    statements: st,
    createSocketLog(entry: NewSocketLog) {
      let row: PendingRow;
      try {
        row = normalizeEntry(entry, options.scrubber, now());
      } catch (err) {
        return Promise.reject(err);
      }
      return enqueue((done) => ({ kind: 'insert', row, done }));
    },
    updateSocketLog(id: number, update: SocketLogUpdate) {
      let pending: PendingUpdate;
      try {
        pending = normalizeUpdate(id, update, options.scrubber);
      } catch (err) {
        return Promise.reject(err);
      }
      return enqueue<void>((done) => ({ kind: 'update', id, update: pending, done }));
    },
    recordAccess(entry) {
      const paramsJson = scrubJson(entry.params ?? {}, options.scrubber, 8 * 1024) ?? '{}';
      const clean = { ...entry, actor: entry.actor.slice(0, 128), query: entry.query.slice(0, 128), at: now(), paramsJson };
      return enqueue((done) => ({ kind: 'access', entry: clean, done }));
    },
    flush() {
      if (queue.length === 0 && walSync.pending() === 0) return Promise.resolve();
      return new Promise<void>((resolve) => flushWaiters.push(resolve));
    },
    stats: () => ({ ...stats, queueDepth: queue.length }),
    async close() {
      if (closed) return;
      closed = true;
      while (queue.length > 0) runBatch();
      await walSync.close();
    }
  };
}
