import Sqlite from 'better-sqlite3';
import { sql, type AliasedRawBuilder } from 'kysely';
import fs from 'node:fs';
import path from 'node:path';
import type { SocketLogsTable } from '../store/tables';

/**
 * The socket log's per-user index, kept in its own database file beside the log.
 *
 * Why not an index on socket_logs(user_id, created_at): with 1,000 devices
 * reporting, every row lands on a different leaf of such an index, so each group
 * commit wrote one 4 KB WAL frame per row for it and the checkpoints copied them
 * all back. That was most of the commit thread's time and its latency tail
 * (measured at 10.5k events/s on a 500k-row log: commit thread 42 -> 26 us per
 * event, ack p99 60-170 ms -> 20 ms without the index).
 *
 * Instead the user indexer (userIndex.worker.ts) adds the entries of every row
 * committed since its last pass, sorted by user, about once a second: each user's
 * leaf is written once per pass, not once per row. It runs on its own thread and
 * writes this separate file, so it never takes the log's write lock. Queries read
 * the indexed part through this file and the few rows not indexed yet (id above
 * `upto`) by a rowid range scan; see userRowsSource.
 *
 * The file is derived data: delete it and it is rebuilt from the log. Entries are
 * joined back to their row on id, user and time, so a stale entry can never show
 * a row to the wrong user.
 */

export const USER_INDEX_SCHEMA = 'ux';
const INDEX = `${USER_INDEX_SCHEMA}.socket_log_user_index`;
const STATE = `${USER_INDEX_SCHEMA}.socket_log_user_index_state`;

/** Rows indexed per pass at most, so a catch-up (first start, rebuild) never holds a long transaction. */
export const USER_INDEX_CHUNK = 50_000;

export function userIndexFile(logFile: string): string {
  const ext = path.extname(logFile);
  return path.join(path.dirname(logFile), `${path.basename(logFile, ext)}.user-index${ext || '.db'}`);
}

/** Creates the index file and its tables if missing (WAL, so readers never block the indexer). */
function ensureUserIndexFile(logFile: string): void {
  const own = new Sqlite(userIndexFile(logFile));
  try {
    own.pragma('journal_mode = WAL');
    own.exec(`
      CREATE TABLE IF NOT EXISTS socket_log_user_index (
        user_id TEXT NOT NULL, created_at INTEGER NOT NULL, id INTEGER NOT NULL,
        PRIMARY KEY (user_id, created_at, id)
      ) WITHOUT ROWID;
      CREATE INDEX IF NOT EXISTS socket_log_user_index_id ON socket_log_user_index (id);
      CREATE TABLE IF NOT EXISTS socket_log_user_index_state (one INTEGER PRIMARY KEY CHECK (one = 1), upto INTEGER NOT NULL);
      INSERT OR IGNORE INTO socket_log_user_index_state (one, upto) VALUES (1, 0);
    `);
  } finally {
    own.close();
  }
}

/**
 * Attaches the index file as `ux`, creating it first if it is missing (an empty
 * index is correct: per-user queries then scan the rows until the indexer has
 * caught up). Writers sync it only at checkpoints (NORMAL): a power cut may take
 * back its last passes, which the indexer redoes, but cannot corrupt it.
 */
export function attachUserIndex(sqlite: Sqlite.Database, logFile: string): void {
  if (!sqlite.readonly || !fs.existsSync(userIndexFile(logFile))) ensureUserIndexFile(logFile);
  sqlite.prepare(`ATTACH DATABASE ? AS ${USER_INDEX_SCHEMA}`).run(userIndexFile(logFile));
  if (!sqlite.readonly) sqlite.pragma(`${USER_INDEX_SCHEMA}.synchronous = NORMAL`);
}

const UNREADABLE = new Set(['SQLITE_CORRUPT', 'SQLITE_NOTADB']);

/** Deletes the index file (and its WAL): the indexer rebuilds it from the log. */
function removeUserIndexFile(logFile: string): void {
  for (const suffix of ['', '-wal', '-shm']) fs.rmSync(userIndexFile(logFile) + suffix, { force: true });
}

/** The highest row id ever committed to the log (AUTOINCREMENT's sequence), 0 for none. */
const lastRowIdSql = `COALESCE((SELECT seq FROM main.sqlite_sequence WHERE name = 'socket_logs'), 0)`;

/**
 * Run once at start, before anything writes. The indexer may have indexed rows
 * committed but not yet synced when the machine lost power; such rows are gone
 * and their ids will be issued again, so entries above the last surviving id are
 * dropped and indexing resumes from there.
 */
export function reconcileUserIndex(logFile: string, sqlite: Sqlite.Database): { dropped: number; upto: number; rebuilt: boolean } {
  try {
    return { ...reconcileOnce(logFile, sqlite), rebuilt: false };
  } catch (err) {
    // A damaged index (a disk error, a bad copy) is thrown away, never trusted: the log is the truth.
    if (!UNREADABLE.has((err as { code?: string }).code ?? '')) throw err;
    removeUserIndexFile(logFile);
    return { ...reconcileOnce(logFile, sqlite), rebuilt: true };
  }
}

function reconcileOnce(logFile: string, sqlite: Sqlite.Database): { dropped: number; upto: number } {
  attachUserIndex(sqlite, logFile);
  try {
    return sqlite.transaction(() => rewindUserIndex(sqlite, Number((sqlite.prepare(`SELECT ${lastRowIdSql} AS last`).get() as { last: number }).last)))();
  } finally {
    sqlite.exec(`DETACH DATABASE ${USER_INDEX_SCHEMA}`);
  }
}

/**
 * Forgets every entry above row `id` and resumes indexing after it (on a connection
 * with the index attached). Reconcile uses it after a power cut; the query bench
 * uses it to leave rows waiting for the indexer.
 */
export function rewindUserIndex(sqlite: Sqlite.Database, id: number): { dropped: number; upto: number } {
  const dropped = sqlite.prepare(`DELETE FROM ${INDEX} WHERE id > ?`).run(id).changes;
  sqlite.prepare(`UPDATE ${STATE} SET upto = MIN(upto, ?)`).run(id);
  const upto = Number((sqlite.prepare(`SELECT upto FROM ${STATE}`).get() as { upto: number }).upto);
  return { dropped, upto };
}

/**
 * Starts a read of the index on a connection inside BEGIN. Snapshots run it before
 * their first read of the log: a user's rows are then exact for the log's snapshot
 * even if retention deletes rows and the indexer prunes their entries in between.
 */
export const USER_INDEX_SNAPSHOT_SQL = `SELECT upto FROM ${STATE}`;

export interface UserIndexPass {
  /** Rows read from the log in this pass (with or without a user). */
  rows: number;
  /** Rows still waiting after it (more passes follow at once while > 0). */
  behind: number;
  /** Entries removed because retention deleted their rows. */
  pruned: number;
}

/**
 * One pass of the indexer on a connection with the index attached: entries for
 * up to `chunk` rows after `upto`, inserted in index order, and entries of rows
 * retention has deleted (ids at or below the rows chain's anchor) removed. Reads
 * of the log and writes of the index are one transaction on the index file only;
 * the log's write lock is never taken.
 */
export function createUserIndexPass(sqlite: Sqlite.Database, chunk = USER_INDEX_CHUNK): () => UserIndexPass {
  const state = sqlite.prepare(`SELECT upto, ${lastRowIdSql} AS last, COALESCE((SELECT anchor_id FROM main.socket_log_chains WHERE chain = 'rows'), 0) AS anchor FROM ${STATE}`);
  const insert = sqlite.prepare(
    `INSERT OR IGNORE INTO ${INDEX} (user_id, created_at, id)
     SELECT user_id, created_at, id FROM main.socket_logs WHERE id > ? AND id <= ? AND user_id IS NOT NULL ORDER BY 1, 2, 3`
  );
  const advance = sqlite.prepare(`UPDATE ${STATE} SET upto = ?`);
  const prune = sqlite.prepare(`DELETE FROM ${INDEX} WHERE id <= ?`);
  return sqlite.transaction((): UserIndexPass => {
    const s = state.get() as { upto: number; last: number; anchor: number };
    const upto = Number(s.upto);
    const last = Number(s.last);
    const to = Math.min(last, upto + chunk);
    if (to > upto) {
      insert.run(upto, to);
      advance.run(to);
    }
    const pruned = prune.run(Number(s.anchor)).changes;
    return { rows: to - upto, behind: last - to, pruned };
  });
}

/** Every column of socket_logs, for the user source's two arms. */
const ROW_COLUMNS = [
  'event_type', 'socket_id', 'user_id', 'user_role', 'event_data', 'request_data', 'response_data', 'patient_latitude',
  'patient_longitude', 'hospital_id', 'hospital_name', 'distance_km', 'status', 'error_message', 'processed', 'processed_at',
  'response_time_ms', 'ip_address', 'user_agent', 'session_duration', 'version', 'mac'
] as const satisfies ReadonlyArray<keyof SocketLogsTable>;

const INDEXED_ARM = `SELECT d.id AS id, d.created_at AS created_at, ${ROW_COLUMNS.map((c) => `s.${c}`).join(', ')}
  FROM ${INDEX} d CROSS JOIN main.socket_logs s ON s.id = d.id AND s.user_id = d.user_id AND s.created_at = d.created_at
  WHERE d.user_id = `;
// NOT INDEXED: the not-yet-indexed rows are found by rowid range; left to itself the
// planner walks a whole time index to avoid sorting a few hundred rows.
const RECENT_ARM = `SELECT id, created_at, ${ROW_COLUMNS.join(', ')} FROM main.socket_logs NOT INDEXED
  WHERE id > (SELECT upto FROM ${STATE}) AND user_id = `;

/**
 * socket_logs restricted to one user, as a FROM item named socket_logs: the
 * indexed rows (walked in (created_at, id) order from the index) plus the recent
 * ones. Filters, ORDER BY created_at/id and LIMIT on it run as a merge of both
 * arms, so a newest-first page reads about as many rows as it returns.
 * Only on connections with the index attached (openReadOnly, openReadSnapshot).
 */
export function userRowsSource(userId: string): AliasedRawBuilder<SocketLogsTable, 'socket_logs'> {
  return sql<SocketLogsTable>`(${sql.raw(INDEXED_ARM)}${userId} UNION ALL ${sql.raw(RECENT_ARM)}${userId})`.as('socket_logs');
}
