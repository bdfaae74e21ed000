import Sqlite from 'better-sqlite3';
import { Kysely, SqliteDialect } from 'kysely';
import type { DatabaseSchema } from '../../db/schema';
import { attachUserIndex, USER_INDEX_SNAPSHOT_SQL } from '../userIndex/userIndex';

/**
 * A separate read-only connection holding one read transaction: verification,
 * exports and archiving see one consistent snapshot (WAL isolation) while the
 * writer keeps committing on the main connection, and they page through it with
 * event-loop yields in between so the hub never waits on them.
 */
export interface ReadSnapshot {
  sqlite: Sqlite.Database;
  /** For building queries only; statements run on `sqlite` inside the snapshot. */
  db: Kysely<DatabaseSchema>;
  close(): Promise<void>;
}

/** A read-only connection to the log with the user index attached (userIndex.ts). */
export function openReadOnly(file: string): { sqlite: Sqlite.Database; db: Kysely<DatabaseSchema> } {
  const sqlite = new Sqlite(file, { readonly: true, fileMustExist: true });
  sqlite.pragma('busy_timeout = 5000');
  attachUserIndex(sqlite, file);
  return { sqlite, db: new Kysely<DatabaseSchema>({ dialect: new SqliteDialect({ database: sqlite }) }) };
}

export function openReadSnapshot(file: string): ReadSnapshot {
  const { sqlite, db } = openReadOnly(file);
  sqlite.exec('BEGIN');
  // The user index's snapshot first, then the log's (see USER_INDEX_SNAPSHOT_SQL).
  sqlite.prepare(USER_INDEX_SNAPSHOT_SQL).get();
  sqlite.prepare('SELECT head_id FROM socket_log_chains LIMIT 1').get();
  let closed = false;
  return {
    sqlite,
    db,
    async close() {
      if (closed) return;
      closed = true;
      try {
        sqlite.exec('COMMIT');
      } catch {
        // Nothing to commit on a read snapshot; closing ends it either way.
      }
      await db.destroy();
    }
  };
}

export const yieldToEventLoop = () => new Promise<void>((resolve) => setImmediate(resolve));
