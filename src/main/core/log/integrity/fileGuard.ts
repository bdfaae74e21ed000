import type Sqlite from 'better-sqlite3';
import fs from 'node:fs';
import type { Logger } from 'pino';
import type { AlertCenter } from '../../alerts/alertCenter';
import { AppError } from '../../errors';
import { createDamageCheck, FILE_DAMAGED } from './fileDamage';

/**
 * Why the log stopped acknowledging. WAL_REPLACED: the -wal file at the path is
 * not the one SQLite writes (deleted or replaced; a new connection then made a
 * fresh one). DATABASE_REPLACED / DATABASE_CORRUPT: the database file was
 * swapped, deleted, truncated or is reported damaged by SQLite.
 */
export type FenceCode = 'WAL_REPLACED' | 'DATABASE_REPLACED' | 'DATABASE_CORRUPT';

export interface Fence {
  code: FenceCode;
  detail: string;
  remedy: string;
  at: string;
}

export interface LogFileGuard {
  /** Null while acknowledgements may go out; otherwise the error every event gets. */
  refusal(): AppError | null;
  fenced(): Fence | null;
  /** Stops acknowledgements for good (until a restart reopens the files); idempotent. */
  fence(code: FenceCode, detail: string): void;
  /** One check of the files now (normally on the timer). */
  probe(): Fence | null;
  /** A commit or sync error: fences when it says the files are not what SQLite writes or are damaged. */
  onCommitError(err: unknown): void;
  /** A read's error: fences when SQLite says the file is damaged. */
  onReadError(err: unknown): void;
  close(): void;
}

/** SQLite result codes that mean the database file is damaged or not a database at all. */
const CORRUPT_CODES = new Set(['SQLITE_CORRUPT', 'SQLITE_NOTADB', 'SQLITE_CORRUPT_VTAB', 'SQLITE_CORRUPT_SEQUENCE', 'SQLITE_CORRUPT_INDEX']);
const CORRUPT_TEXT = /database disk image is malformed|file is not a database/i;

const REMEDIES: Record<FenceCode, string> = {
  WAL_REPLACED:
    'Restart Switchboard now to reopen the database (devices retry meanwhile), and never delete the -wal or -shm files of a running database.',
  DATABASE_REPLACED:
    'Stop Switchboard, keep a copy of the data directory, and put the original switchboard.db back (or restore it from a backup) before starting again.',
  DATABASE_CORRUPT:
    'Stop Switchboard, keep a copy of the data directory, run "switchboard check" and restore switchboard.db from the latest backup (retention archives hold older rows).'
};

const codeOf = (err: unknown): string | undefined => (err as { code?: unknown } | null)?.code as string | undefined;

export function isCorruptionError(err: unknown): boolean {
  const code = codeOf(err);
  if (code && CORRUPT_CODES.has(code)) return true;
  return CORRUPT_TEXT.test(String((err as Error | null)?.message ?? err));
}

export const isWalReplacedError = (err: unknown): boolean => codeOf(err) === 'WAL_REPLACED' || /WAL_REPLACED/.test(String((err as Error | null)?.message ?? err));

interface Identity {
  dev: number;
  ino: number;
}

const identityOf = (file: string): (Identity & { size: number }) | null => {
  try {
    const s = fs.statSync(file);
    return { dev: s.dev, ino: s.ino, size: s.size };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
};

export interface LogFileGuardOptions {
  file: string;
  /** Where the guard's descriptor of the database file is closed: only after SQLite's connections are. */
  afterDatabaseClose(fn: () => void): void;
  /** The main connection: it has the WAL SQLite writes open, so its checkpoint can save what that WAL holds. */
  sqlite: Sqlite.Database;
  logger: Logger;
  alerts: AlertCenter;
  /** How often the files are looked at; acknowledgements stop within this after a file changes. */
  intervalMs: number;
}

/**
 * Guards the files the socket log acknowledges against: stat() calls, and a
 * read of the database's 16-byte header through a descriptor that is closed
 * only after SQLite's connections (closing any descriptor of the file earlier
 * would drop SQLite's POSIX locks for the whole process).
 *
 * Every `intervalMs` it compares the database and WAL paths with the files
 * SQLite opened at start (device and inode), and the database's size with the
 * largest seen (it never shrinks without auto_vacuum, so `truncate` shows).
 * Commit and sync errors that say the same come in through onCommitError. Once
 * fenced, the writer refuses every event with UNAVAILABLE and answers batches
 * in flight the same way: an acknowledgement must never rest on a file SQLite
 * is not writing. On a replaced WAL the main connection, which still has the
 * file SQLite writes open, checkpoints it into the database file so that what
 * was acknowledged before survives a crash.
 */
export function createLogFileGuard(options: LogFileGuardOptions): LogFileGuard {
  const { file, logger } = options;
  const walFile = `${file}-wal`;
  const db = identityOf(file);
  let wal: Identity | null = identityOf(walFile);
  // Size and header (fileDamage.ts), the same check the threads run before a checkpoint.
  const damage = createDamageCheck(file, { shrinkMeansDamage: Number(options.sqlite.pragma('auto_vacuum', { simple: true })) === 0 });
  options.afterDatabaseClose(() => damage.close());
  let fence: Fence | null = null;
  let refusal: AppError | null = null;
  let checkpointTimer: NodeJS.Timeout | null = null;
  const sameFile = (a: Identity, b: Identity) => a.dev === b.dev && a.ino === b.ino;

  /** Copies what the WAL SQLite writes holds into the database file; retried until it completes. */
  const saveWal = (attempt = 1) => {
    checkpointTimer = null;
    try {
      const [r] = options.sqlite.pragma('wal_checkpoint(FULL)') as Array<{ busy: number; log: number; checkpointed: number }>;
      if (r && r.busy === 0 && r.checkpointed >= r.log) {
        logger.warn({ frames: r.log }, 'the WAL SQLite was writing has been checkpointed into the database file: everything acknowledged is in switchboard.db');
        return;
      }
      logger.warn({ result: r, attempt }, 'checkpoint of the replaced WAL incomplete; retrying');
    } catch (err) {
      logger.error({ err, attempt }, 'checkpoint of the replaced WAL failed; retrying');
    }
    if (attempt < 20) {
      checkpointTimer = setTimeout(() => saveWal(attempt + 1), 500);
      checkpointTimer.unref();
    }
  };

  const guard: LogFileGuard = {
    refusal: () => refusal,
    fenced: () => fence,
    fence(code, detail) {
      if (fence) return;
      fence = { code, detail, remedy: REMEDIES[code], at: new Date().toISOString() };
      refusal = new AppError('UNAVAILABLE', 'The socket log cannot record events safely right now; retry later.');
      logger.fatal({ code, file }, `socket log stopped acknowledging events: ${detail}. ${fence.remedy}`);
      options.alerts.raise({
        key: 'socket-log.files',
        kind: 'system',
        severity: 'critical',
        title: 'Socket log stopped acknowledging events',
        message: `${detail}. ${fence.remedy}`,
        source: 'socket-log',
        data: { code, file }
      });
      if (code === 'WAL_REPLACED') saveWal();
    },
    probe() {
      if (fence) return fence;
      try {
        const nowDb = identityOf(file);
        if (!nowDb) guard.fence('DATABASE_REPLACED', `${file} was deleted while Switchboard was writing to it`);
        else if (db && !sameFile(db, nowDb)) guard.fence('DATABASE_REPLACED', `${file} was replaced by another file while Switchboard was writing to it`);
        else {
          const found = damage.check();
          if (found) guard.fence('DATABASE_CORRUPT', found);
        }
        if (!fence) {
          const nowWal = identityOf(walFile);
          if (!wal) wal = nowWal;
          else if (!nowWal) guard.fence('WAL_REPLACED', `${walFile} was deleted while SQLite was writing to it`);
          else if (!sameFile(wal, nowWal)) guard.fence('WAL_REPLACED', `${walFile} was replaced: SQLite keeps writing to the deleted one`);
        }
      } catch (err) {
        logger.warn({ err }, 'socket log file check failed');
      }
      return fence;
    },
    onCommitError(err) {
      if (fence) return;
      if (isWalReplacedError(err)) guard.fence('WAL_REPLACED', `${walFile} is no longer the file SQLite writes (deleted or replaced)`);
      else if (codeOf(err) === FILE_DAMAGED) guard.fence('DATABASE_CORRUPT', String((err as Error)?.message ?? err));
      else if (isCorruptionError(err)) guard.fence('DATABASE_CORRUPT', `SQLite reports ${file} as damaged (${String((err as Error)?.message ?? err)})`);
      else guard.probe();
    },
    onReadError(err) {
      // A read SQLite answers "damaged" is as sure a sign as a failed commit: the file guard's
      // size and header checks cannot see a page overwritten in the middle of the file.
      if (!fence && isCorruptionError(err)) guard.fence('DATABASE_CORRUPT', `SQLite reports ${file} as damaged on a read (${String((err as Error)?.message ?? err)})`);
    },
    close() {
      clearInterval(timer);
      if (checkpointTimer) clearTimeout(checkpointTimer);
    }
  };
  const timer = setInterval(() => guard.probe(), options.intervalMs);
  timer.unref();
  return guard;
}
