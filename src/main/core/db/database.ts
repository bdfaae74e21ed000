import Sqlite from 'better-sqlite3';
import { Kysely, Migrator, SqliteDialect, sql, type Migration } from 'kysely';
import fs from 'node:fs';
import { StartupRefusal } from '../startupRefusal';
import path from 'node:path';
import type { DatabaseSchema } from './schema';
import { MIGRATIONS } from './migrations';

export interface Database {
  /** The query builder every domain uses. */
  db: Kysely<DatabaseSchema>;
  /** The raw handle, for the data layer's hot paths (prepared inserts) only. */
  sqlite: Sqlite.Database;
  file: string;
  close(): Promise<void>;
  /**
   * Runs after the last connection closed: a descriptor of the database file
   * opened outside SQLite may only be closed then (closing it earlier would drop
   * SQLite's POSIX locks for the whole process).
   */
  afterClose(fn: () => void): void;
}

export interface OpenDatabaseOptions {
  /** Run migrations up to this name (tests of older versions); default: all. */
  migrateTo?: string;
  /** PRAGMA quick_check before anything writes (serve's start); a damaged file refuses start. */
  quickCheck?: boolean;
}

/**
 * quick_check reads every page but skips the index-to-table cross checks: a
 * corrupt page in a little-read table shows here, at start, instead of the
 * day someone reads it. `switchboard check` runs the full integrity_check.
 */
export function quickCheckProblems(sqlite: Sqlite.Database, max = 5): string[] {
  return integrityProblems(sqlite, 'quick_check', max);
}

/** quick_check or integrity_check as one line per problem (SQLite prefixes "*** in database main ***" and a newline). */
export function integrityProblems(sqlite: Sqlite.Database, pragma: 'quick_check' | 'integrity_check', max: number): string[] {
  const rows = sqlite.pragma(`${pragma}(${max})`) as Array<Record<string, string>>;
  return rows
    .map((r) => String(r[pragma] ?? ''))
    .filter((r) => r !== 'ok')
    .map((r) => r.replace(/\*\*\* in database \w+ \*\*\*/g, '').replace(/\s+/g, ' ').trim());
}

function refuseDamaged(file: string, problems: string[]): never {
  throw new StartupRefusal(
    'DATABASE_DAMAGED',
    `${file} failed its integrity check at start (${problems[0]}${problems.length > 1 ? `, and ${problems.length - 1} more` : ''}); keep a copy of the data directory, run "switchboard check" for the full report, and restore switchboard.db from the latest backup.`
  );
}

/**
 * Opens the socket-log database in WAL mode with synchronous=FULL.
 * FULL, not NORMAL: with NORMAL a power cut can drop the last transactions, and
 * the hub acknowledges a device only after commit, so an acknowledged event must
 * survive the machine going down, not just the process. The socket log's group
 * commits get the same guarantee with the fsync moved off the event loop (walSync.ts).
 */
export async function openDatabase(dataDir: string, options: OpenDatabaseOptions = {}): Promise<Database> {
  const file = path.join(dataDir, 'switchboard.db');
  prepareDataFiles(dataDir, file);
  const sqlite = new Sqlite(file);
  if (options.quickCheck) {
    let problems: string[];
    try {
      problems = quickCheckProblems(sqlite);
    } catch (err) {
      problems = [(err as Error).message];
    }
    if (problems.length > 0) {
      sqlite.close();
      refuseDamaged(file, problems);
    }
  }
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('synchronous = FULL');
  sqlite.pragma('foreign_keys = ON');
  sqlite.pragma('busy_timeout = 5000');
  // Checkpoints on the event loop stall acks (measured: p99 18 ms -> 2 ms without);
  // the log domain runs them on its own schedule instead.
  sqlite.pragma('wal_autocheckpoint = 0');
  const db = new Kysely<DatabaseSchema>({ dialect: new SqliteDialect({ database: sqlite }) });
  try {
    await migrate(db, options.migrateTo, file);
  } catch (err) {
    await db.destroy();
    throw err;
  }
  let closed = false;
  const afterClose: Array<() => void> = [];
  return {
    db,
    sqlite,
    file,
    afterClose: (fn) => void afterClose.push(fn),
    async close() {
      if (closed) return;
      closed = true;
      try {
        sqlite.pragma('wal_checkpoint(TRUNCATE)');
      } catch {
        // A failed checkpoint leaves the WAL for the next open to replay: no data lost.
      }
      await db.destroy();
      for (const fn of afterClose) fn();
    }
  };
}

/**
 * The database holds password hashes and patient data: the directory is 0700
 * and the files 0600 whichever command creates them. SQLite gives the WAL and
 * shared-memory files the main file's mode, so the main file is created 0600
 * before SQLite opens it; files from older versions are tightened in place.
 */
function prepareDataFiles(dataDir: string, file: string): void {
  try {
    fs.mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  } catch (err) {
    throw new Error(`Cannot create the data directory ${dataDir} (${(err as NodeJS.ErrnoException).code ?? String(err)}): create it, or pass --data-dir to a writable place.`);
  }
  fs.closeSync(fs.openSync(file, 'a', 0o600));
  for (const f of [file, `${file}-wal`, `${file}-shm`]) {
    try {
      fs.chmodSync(f, 0o600);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
  }
}

/** Migrations the database has run that this version does not know: it was written by a newer Switchboard. */
async function unknownMigrations(db: Kysely<DatabaseSchema>): Promise<string[]> {
  const { rows } = await sql<{ name: string }>`SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'kysely_migration'`.execute(db);
  if (rows.length === 0) return [];
  const ran = await sql<{ name: string }>`SELECT name FROM kysely_migration ORDER BY name`.execute(db);
  return ran.rows.map((r) => r.name).filter((name) => !(name in MIGRATIONS));
}

export async function migrate(db: Kysely<DatabaseSchema>, target?: string, file = 'the database'): Promise<void> {
  const newer = await unknownMigrations(db);
  if (newer.length > 0) {
    throw new StartupRefusal(
      'DATABASE_TOO_NEW',
      `${file} was written by a newer Switchboard (it has migration ${newer[newer.length - 1]}, which this version does not know); run that newer version, or restore a backup made by this one.`
    );
  }
  const migrator = new Migrator({
    db,
    provider: { getMigrations: async (): Promise<Record<string, Migration>> => MIGRATIONS }
  });
  const { error, results } = target ? await migrator.migrateTo(target) : await migrator.migrateToLatest();
  const failed = results?.find((r) => r.status === 'Error');
  if (error || failed) {
    const cause = error instanceof Error ? error.message : String(error);
    throw new StartupRefusal('MIGRATION_FAILED', `Updating ${file} failed at ${failed?.migrationName ?? 'its migration list'} (${cause}); restore the data directory from a backup and report this message.`);
  }
}
