import type { Logger } from 'pino';
import type { Database } from '../../../db/database';
import { createWalSync, type WalSync } from '../../../db/walSync';
import { steadyNow } from '../../../clock';
import { createRepeatedErrorLog } from '../../../repeatedErrors';
import { ensureHeads, readHead, type LogStatements } from '../../store/statements';
import { BatchFailure, startCommitThread, type CommitThread } from '../../write/commitThread';
import { createGroupCommit, type CommitOp, type CommitResult } from '../../write/groupCommit';
import type { AppendResult, LogStorage } from '../LogStorage';

/** Batches on the commit thread at once: one committing while the one before it syncs. */
const MAX_THREAD_BATCHES = 2;

export interface SqliteAppenderOptions {
  database: Pick<Database, 'db' | 'sqlite' | 'file'>;
  key: Buffer;
  logger: Logger;
  /** The clock of update records (default: the steady clock, so log times never go back). */
  now?: () => number;
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

/** SQLite's write path of the LogStorage contract, plus what only SQLite has (its prepared statements). */
export interface SqliteAppender extends Pick<LogStorage, 'append' | 'acceptsBatch' | 'committing' | 'totalRows'> {
  statements: LogStatements;
  close(): Promise<void>;
}

/**
 * Group commits into SQLite. On the commit thread when it runs (the hub's event
 * loop then never waits for SQLite or the disk: at 8k events/s the inline commit
 * was a fifth of its time and its stalls delayed every socket), otherwise inline
 * with the WAL synced on libuv's pool. Either way a batch answers only after its
 * commit is on disk.
 */
export function createSqliteAppender(options: SqliteAppenderOptions): SqliteAppender {
  const { sqlite, db } = options.database;
  const key = options.key;
  const group = createGroupCommit(db, sqlite, key, options.now ?? steadyNow);
  const st = group.statements;
  ensureHeads(st, sqlite, key);
  const totalAtStart = readHead(st, 'rows').record_count;
  const syncFailures = createRepeatedErrorLog(options.logger, 'WAL sync failed: commits since the last sync are not known to be durable');
  const walSync =
    options.walSync ?? createWalSync(`${options.database.file}-wal`, { logger: { error: (context) => syncFailures.report(context.err, { walFile: context.walFile }) } });
  const thread = options.thread ?? (options.commitOn === 'thread' ? startCommitThread({ file: options.database.file, key, logger: options.logger }) : null);
  // Inline group commits skip SQLite's in-commit fsync; walSync syncs before any caller hears back.
  // The connection goes back to FULL after each commit for its other writers (bridge outbox, registries).
  const syncNormal = sqlite.prepare('PRAGMA synchronous = NORMAL');
  const syncFull = sqlite.prepare('PRAGMA synchronous = FULL');

  const commitInline = (ops: readonly CommitOp[]): Promise<AppendResult> => {
    const started = performance.now();
    let result: CommitResult;
    syncNormal.run();
    try {
      result = group.commit(ops as CommitOp[]);
    } catch (err) {
      return Promise.reject(new BatchFailure('commit', String((err as Error)?.message ?? err), codeOf(err)));
    } finally {
      syncFull.run();
    }
    const commitMs = performance.now() - started;
    return new Promise((resolve, reject) =>
      walSync.afterCommit((err) => (err ? reject(new BatchFailure('sync', err.message, codeOf(err))) : resolve({ result, commitMs })))
    );
  };

  return {
    statements: st,
    append: (ops) => (thread?.ready() ? thread.commit(ops as CommitOp[]) : commitInline(ops)),
    acceptsBatch: () => !(thread?.ready() && thread.inFlight() >= MAX_THREAD_BATCHES),
    committing: () => (thread?.ready() ? 'thread' : 'inline'),
    totalRows: () => totalAtStart,
    async close() {
      await thread?.close();
      await walSync.close();
      syncFailures.close();
    }
  };
}

const codeOf = (err: unknown): string | undefined => {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
};
