import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import type { PgSchema } from './pgTables';

export interface PgDatabase {
  db: Kysely<PgSchema>;
  /** The raw pool, for the log's batched writes (explicit transactions, txid_status). */
  pool: pg.Pool;
  close(): Promise<void>;
}

const INT8_OID = 20;

/** bigint ids and counts as JS numbers: they stay far below 2^53 (pg's default is strings). */
const types = {
  getTypeParser(oid: number, format?: 'text' | 'binary') {
    if (oid === INT8_OID && format !== 'binary') return (value: string) => Number(value);
    return pg.types.getTypeParser(oid, format);
  }
} as pg.CustomTypesConfig;

export interface OpenPostgresOptions {
  /** Connections in the pool. */
  max?: number;
  /** Shown in pg_stat_activity (the node name), so an operator sees who holds what. */
  applicationName?: string;
  /** Told about connections the server or the network dropped (idle or in use); they are replaced on next use. */
  onConnectionError?(err: Error): void;
}

/**
 * Opens the cluster's PostgreSQL: `pg` pool under kysely's PostgresDialect.
 * synchronous_commit is on for every connection whatever the server default, so
 * COMMIT returns only when the WAL is flushed (and on a synchronous standby):
 * the hub acknowledges an event only after that.
 */
export function openPostgres(url: string, options: OpenPostgresOptions = {}): PgDatabase {
  const pool = new pg.Pool({
    connectionString: url,
    max: options.max ?? 10,
    application_name: options.applicationName ?? 'switchboard',
    options: '-c synchronous_commit=on',
    connectionTimeoutMillis: 5_000,
    keepAlive: true,
    types
  });
  // An idle client's error (server restart) would otherwise be an unhandled 'error' event.
  pool.on('error', (err) => options.onConnectionError?.(err));
  // So would a checked-out client's: when the connection drops during a query (a lost COMMIT),
  // the query fails and then the client emits "Connection terminated unexpectedly" on its own.
  pool.on('connect', (client) => client.on('error', (err) => options.onConnectionError?.(err)));
  const db = new Kysely<PgSchema>({ dialect: new PostgresDialect({ pool }) });
  let closing: Promise<void> | null = null;
  return {
    db,
    pool,
    close() {
      // kysely's destroy ends the pool it was given.
      closing ??= db.destroy();
      return closing;
    }
  };
}
