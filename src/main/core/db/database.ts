import Sqlite from 'better-sqlite3';
import { Kysely, Migrator, SqliteDialect, type Migration } from 'kysely';
import fs from 'node:fs';
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
}

export interface OpenDatabaseOptions {
  /** Run migrations up to this name (tests of older versions); default: all. */
  migrateTo?: string;
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
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('synchronous = FULL');
  sqlite.pragma('foreign_keys = ON');
  sqlite.pragma('busy_timeout = 5000');
  // Checkpoints on the event loop stall acks (measured: p99 18 ms -> 2 ms without);
  // the log domain runs them on its own schedule instead.
  sqlite.pragma('wal_autocheckpoint = 0');
  const db = new Kysely<DatabaseSchema>({ dialect: new SqliteDialect({ database: sqlite }) });
  await migrate(db, options.migrateTo);
  let closed = false;
  return {
    db,
    sqlite,
    file,
    async close() {
      if (closed) return;
      closed = true;
      try {
        sqlite.pragma('wal_checkpoint(TRUNCATE)');
      } catch {
        // A failed checkpoint leaves the WAL for the next open to replay: no data lost.
      }
      await db.destroy();
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

export async function migrate(db: Kysely<DatabaseSchema>, target?: string): Promise<void> {
  const migrator = new Migrator({
    db,
    provider: { getMigrations: async (): Promise<Record<string, Migration>> => MIGRATIONS }
  });
  const { error, results } = target ? await migrator.migrateTo(target) : await migrator.migrateToLatest();
  const failed = results?.find((r) => r.status === 'Error');
  if (error || failed) {
    throw new Error(`Database migration failed at ${failed?.migrationName ?? 'unknown'}: ${String(error)}`);
  }
}
