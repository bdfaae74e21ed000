import fs from 'node:fs';
import type { Logger } from 'pino';
import type { VerifyReport } from '../../../../../shared/contract/log';
import type { AlertCenter } from '../../../alerts/alertCenter';
import type { Database } from '../../../db/database';
import type { LogConfig } from '../../config';
import { exportLog } from '../../export/exporter';
import { createLogFileGuard, isCorruptionError, type LogFileGuard } from '../../integrity/fileGuard';
import { loadGuardedLogKeys } from '../../integrity/keyGuard';
import { createRetention } from '../../integrity/retention';
import { verifyLogFile } from '../../integrity/verify';
import { countRows, lastActivity, listAccess, listRows } from '../../read/queries';
import { openReadOnly } from '../../read/readConnection';
import { aggregate, rowCombos, timeSeries, warmStatistics } from '../../read/statistics';
import type { LogKeys } from '../../store/chain';
import { reconcileUserIndex } from '../../userIndex/userIndex';
import { startUserIndexer, type UserIndexer } from '../../userIndex/userIndexer';
import { startCheckpointer } from '../../write/checkpointer';
import type { LogStorage } from '../LogStorage';
import { createSqliteAppender } from './sqliteAppender';

export interface SqliteLogOptions {
  /** The core's database (its main connection): the log's tables live in it. */
  database: Database;
  dataDir: string;
  logger: Logger;
  alerts: AlertCenter;
  config: Pick<LogConfig, 'commitOn' | 'fileCheckIntervalMs' | 'checkpointIntervalMs' | 'quickCheckIntervalMinutes' | 'userIndexIntervalMs'>;
}

/** The socket log on SQLite: the storage, plus the upkeep only a SQLite file has (the service shows it in /metrics and tests). */
export interface SqliteLog {
  storage: LogStorage;
  keys: LogKeys;
  /** Whether the log's files are trusted for acknowledgements (fileGuard.ts). */
  guard: LogFileGuard;
  /** WAL frames after the last checkpoint and how many it copied back (null before the first). */
  checkpoint(): { log: number; checkpointed: number } | null;
  userIndex: UserIndexer;
}

const fileSize = (file: string) => {
  try {
    return fs.statSync(file).size;
  } catch {
    return 0;
  }
};

/**
 * Opens the socket log in the core's SQLite database: checks the key fits the
 * chain (keyGuard.ts), repairs the per-user index after a crash, guards the files,
 * and starts the commit thread, the checkpoint thread and the user indexer. Reads
 * and statistics run on their own read-only connection, which sees the user index;
 * exports and verification each open their own snapshot.
 */
export function openSqliteLog(options: SqliteLogOptions): SqliteLog {
  const { database, logger, config } = options;
  const keys = loadGuardedLogKeys(options.dataDir, database.sqlite);
  // Before anything writes: entries of rows a power cut took back are dropped (userIndex.ts).
  const reconciled = reconcileUserIndex(database.file, database.sqlite);
  if (reconciled.rebuilt) logger.warn('the per-user index file was unreadable; it is rebuilt from the log');
  if (reconciled.dropped > 0) logger.warn(reconciled, 'user index entries of rows lost in a crash were dropped');
  const guard = createLogFileGuard({ file: database.file, afterDatabaseClose: (fn) => database.afterClose(fn), sqlite: database.sqlite, logger, alerts: options.alerts, intervalMs: config.fileCheckIntervalMs });
  const appender = createSqliteAppender({ database, key: keys.mac, logger, commitOn: config.commitOn });
  const reads = openReadOnly(database.file);
  const retention = createRetention({ db: database.db, sqlite: database.sqlite, statements: appender.statements, key: keys.mac, keyId: keys.keyId, dataDir: options.dataDir });
  const checkpointer = startCheckpointer({
    file: database.file,
    sqlite: database.sqlite,
    intervalMs: config.checkpointIntervalMs,
    logger,
    quickCheckMs: config.quickCheckIntervalMinutes * 60_000,
    onIntegrity: ({ problems, code }) => {
      if (problems.length === 0) return;
      // Damage found by the check itself, or SQLite refusing to read the file: the log must stop acknowledging.
      if (!code || isCorruptionError({ code, message: problems[0] })) guard.fence('DATABASE_CORRUPT', `the periodic quick check of ${database.file} failed (${problems[0]})`);
      else logger.warn({ problems, code }, 'periodic quick check could not run');
    },
    onDamaged: (detail) => guard.fence('DATABASE_CORRUPT', detail),
    fenced: () => guard.probe() !== null
  });
  const userIndex = startUserIndexer({ file: database.file, intervalMs: config.userIndexIntervalMs, logger });

  // One verification walks the whole chain; callers who ask while one runs share
  // its result instead of starting more walks that would compete for the disk.
  let verifying: Promise<VerifyReport> | null = null;

  /** A read that finds the file damaged fences the log as a failed commit does. */
  const guarded = <A extends unknown[], R>(read: (...args: A) => Promise<R>) =>
    (...args: A): Promise<R> =>
      read(...args).catch((err: unknown) => {
        guard.onReadError(err);
        throw err;
      });

  const storage: LogStorage = {
    kind: 'sqlite',
    append: appender.append,
    acceptsBatch: appender.acceptsBatch,
    committing: appender.committing,
    totalRows: appender.totalRows,
    listRows: guarded((filter, page) => listRows(reads.db, filter, page)),
    countRows: guarded((filter, cap) => countRows(reads.db, filter, cap)),
    lastActivity: guarded((eventTypes, filter) => lastActivity(reads.db, eventTypes, filter)),
    accessLog: guarded((query) => listAccess(reads.db, query)),
    aggregate: guarded((range, userId) => aggregate(reads.db, range, userId)),
    rowCombos: guarded((filter) => rowCombos(reads.db, filter)),
    timeSeries: guarded((range, bucketMs) => timeSeries(reads.db, range, bucketMs)),
    warm: () => warmStatistics(reads.db),
    size: () => {
      const walBytes = fileSize(`${database.file}-wal`);
      return { bytes: fileSize(database.file) + walBytes, walBytes };
    },
    exportTo: (exportOptions) => exportLog({ ...exportOptions, file: database.file, keys }),
    verify() {
      verifying ??= verifyLogFile(database.file, keys.mac).finally(() => {
        verifying = null;
      });
      return verifying;
    },
    cleanup: (days) => retention.cleanupOldSocketLogs(days),
    async close() {
      await appender.close();
      await checkpointer.close();
      await userIndex.close();
      await reads.db.destroy();
    }
  };
  return { storage, keys, guard, checkpoint: () => checkpointer.last(), userIndex };
}
