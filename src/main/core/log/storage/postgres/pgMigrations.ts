import { Migrator, sql, type Kysely, type Migration } from 'kysely';
import { m004ClusterState } from '../../../cluster/pgStateMigration';
import { m006CentreSettings } from '../../../cluster/pgSettingsMigration';
import { m005LogStorage } from './pgLogMigration';
import type { PgSchema } from './pgTables';

/**
 * The cluster's PostgreSQL schema (`switchboard migrate`). Append-only, a static
 * map like the SQLite migrations (bundlers cannot discover files on disk).
 *
 * socket_logs is range-partitioned by day on created_at: retention detaches and
 * drops whole days instead of deleting rows. A partitioned table's primary key
 * must include the partition key, so event-id uniqueness (idempotent retries)
 * lives in its own unpartitioned table, client_event_ids, claimed in the same
 * transaction as the row.
 */
const m001Cluster: Migration = {
  async up(db: Kysely<unknown>) {
    await sql`CREATE SEQUENCE socket_log_ids AS bigint`.execute(db);
    await sql`CREATE TABLE socket_logs (
      id bigint NOT NULL,
      created_at timestamptz NOT NULL,
      incarnation text NOT NULL,
      chain_seq bigint NOT NULL,
      mac bytea NOT NULL,
      event_type text NOT NULL,
      socket_id text NOT NULL,
      user_id text,
      user_role text,
      event_data text,
      request_data text,
      response_data text,
      patient_latitude double precision,
      patient_longitude double precision,
      hospital_id text,
      hospital_name text,
      distance_km double precision,
      status text NOT NULL,
      error_message text,
      processed boolean NOT NULL,
      response_time_ms bigint,
      ip_address text,
      user_agent text,
      session_duration bigint,
      client_event_id text,
      current_status text NOT NULL,
      version integer NOT NULL DEFAULT 0,
      PRIMARY KEY (id, created_at)
    ) PARTITION BY RANGE (created_at)`.execute(db);
    await sql`CREATE INDEX socket_logs_created ON socket_logs (created_at)`.execute(db);
    await sql`CREATE INDEX socket_logs_type_created ON socket_logs (event_type, created_at)`.execute(db);
    // The per-user index is an ordinary btree here: PostgreSQL's WAL does not pay the per-row page cost SQLite did.
    await sql`CREATE INDEX socket_logs_user_created ON socket_logs (user_id, created_at)`.execute(db);
    await sql`CREATE INDEX socket_logs_chain ON socket_logs (incarnation, chain_seq)`.execute(db);
    await sql`CREATE TABLE socket_log_updates (
      log_id bigint NOT NULL,
      at timestamptz NOT NULL,
      incarnation text NOT NULL,
      chain_seq bigint NOT NULL,
      version integer NOT NULL,
      changes text NOT NULL,
      mac bytea NOT NULL,
      PRIMARY KEY (incarnation, chain_seq)
    )`.execute(db);
    await sql`CREATE INDEX socket_log_updates_log ON socket_log_updates (log_id, version)`.execute(db);
    await sql`CREATE TABLE client_event_ids (
      owner text NOT NULL,
      event_id text NOT NULL,
      log_id bigint NOT NULL,
      created_at timestamptz NOT NULL,
      PRIMARY KEY (owner, event_id)
    )`.execute(db);
    await sql`CREATE INDEX client_event_ids_created ON client_event_ids (created_at)`.execute(db);
    await sql`CREATE TABLE log_chains (
      incarnation text PRIMARY KEY,
      node text NOT NULL,
      started_at timestamptz NOT NULL,
      last_seq bigint NOT NULL,
      last_mac bytea NOT NULL,
      head_mac bytea NOT NULL,
      checkpointed_seq bigint NOT NULL DEFAULT 0
    )`.execute(db);
    await sql`CREATE TABLE log_checkpoints (
      seq bigint PRIMARY KEY,
      created_at timestamptz NOT NULL,
      node text NOT NULL,
      heads text NOT NULL,
      mac bytea NOT NULL
    )`.execute(db);
    // Counters are per node: nodes never wait for each other's counter rows.
    await sql`CREATE TABLE log_counters (
      minute timestamptz NOT NULL,
      node text NOT NULL,
      event_type text NOT NULL,
      status text NOT NULL,
      count bigint NOT NULL,
      PRIMARY KEY (minute, node, event_type, status)
    )`.execute(db);
    await sql`CREATE TABLE cluster_nodes (
      name text PRIMARY KEY,
      incarnation text NOT NULL,
      url text,
      started_at timestamptz NOT NULL,
      heartbeat_at timestamptz NOT NULL,
      stopped_at timestamptz
    )`.execute(db);
    await sql`CREATE TABLE leases (
      name text PRIMARY KEY,
      holder text,
      holder_incarnation text,
      epoch bigint NOT NULL DEFAULT 0,
      expires_at timestamptz NOT NULL
    )`.execute(db);
  },
  async down(db: Kysely<unknown>) {
    for (const table of ['leases', 'cluster_nodes', 'log_counters', 'log_checkpoints', 'log_chains', 'client_event_ids', 'socket_log_updates', 'socket_logs']) {
      await sql`DROP TABLE IF EXISTS ${sql.table(table)}`.execute(db);
    }
    await sql`DROP SEQUENCE IF EXISTS socket_log_ids`.execute(db);
  }
};

/**
 * The CAD outbox, shared by the nodes: any node enqueues, the lease holder delivers.
 * Ids come from one counter row updated inside the enqueueing transaction, so they
 * are allocated in commit order (a sequence is not: id 2 can commit before id 1,
 * and a reader past 2 then never sees 1).
 */
const m002CadOutbox: Migration = {
  async up(db: Kysely<unknown>) {
    await sql`CREATE TABLE cad_outbox (
      id bigint PRIMARY KEY,
      event text NOT NULL,
      payload text NOT NULL,
      idempotency_key text NOT NULL UNIQUE,
      requested_by text,
      created_at timestamptz NOT NULL DEFAULT now(),
      status text NOT NULL DEFAULT 'pending',
      attempts integer NOT NULL DEFAULT 0,
      settled_at timestamptz,
      settled_epoch bigint,
      last_error text
    )`.execute(db);
    await sql`CREATE INDEX cad_outbox_pending ON cad_outbox (id) WHERE status = 'pending'`.execute(db);
    await sql`CREATE TABLE cad_outbox_ids (only_row boolean PRIMARY KEY DEFAULT true CHECK (only_row), last_id bigint NOT NULL)`.execute(db);
    await sql`INSERT INTO cad_outbox_ids (only_row, last_id) VALUES (true, 0)`.execute(db);
  },
  async down(db: Kysely<unknown>) {
    await sql`DROP TABLE IF EXISTS cad_outbox_ids`.execute(db);
    await sql`DROP TABLE IF EXISTS cad_outbox`.execute(db);
  }
};

/**
 * Every node reads the outbox's counts for its bridge health each second, and
 * lists held messages for dispatchers: partial indexes keep both off the
 * delivered history, which grows with every position report. Pruning delivered
 * rows by age gets its own.
 */
const m003CadOutboxIndexes: Migration = {
  async up(db: Kysely<unknown>) {
    await sql`CREATE INDEX cad_outbox_for_people ON cad_outbox (id) WHERE status IN ('rejected', 'held')`.execute(db);
    await sql`CREATE INDEX cad_outbox_delivered_age ON cad_outbox (settled_at) WHERE status = 'delivered'`.execute(db);
  },
  async down(db: Kysely<unknown>) {
    await sql`DROP INDEX IF EXISTS cad_outbox_delivered_age`.execute(db);
    await sql`DROP INDEX IF EXISTS cad_outbox_for_people`.execute(db);
  }
};

export const PG_MIGRATIONS: Record<string, Migration> = {
  '001_cluster': m001Cluster,
  '002_cad_outbox': m002CadOutbox,
  '003_cad_outbox_indexes': m003CadOutboxIndexes,
  '004_cluster_state': m004ClusterState,
  '005_log_storage': m005LogStorage,
  '006_centre_settings': m006CentreSettings
};

/** Applies every migration not applied yet (kysely serialises concurrent runs with an advisory lock). */
export async function migratePostgres(db: Kysely<PgSchema>): Promise<string[]> {
  const migrator = new Migrator({ db, provider: { getMigrations: async () => PG_MIGRATIONS } });
  const { error, results } = await migrator.migrateToLatest();
  if (error) throw error;
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}

/** Names of the migrations this build knows that the database has not applied. */
export async function pendingPostgresMigrations(db: Kysely<PgSchema>): Promise<string[]> {
  const migrator = new Migrator({ db, provider: { getMigrations: async () => PG_MIGRATIONS } });
  const known = await migrator.getMigrations();
  return known.filter((m) => !m.executedAt).map((m) => m.name);
}

const DAY_MS = 86_400_000;
const dayName = (ms: number) => new Date(ms).toISOString().slice(0, 10);

/**
 * Makes sure socket_logs has a partition for every day from yesterday to `daysAhead`
 * days on. Nodes call it at start and hourly; the advisory lock keeps two nodes from
 * racing on the same CREATE.
 */
export async function ensureDailyPartitions(db: Kysely<PgSchema>, nowMs: number, daysAhead = 7): Promise<number> {
  const today = Math.floor(nowMs / DAY_MS) * DAY_MS;
  let created = 0;
  await db.transaction().execute(async (trx) => {
    await sql`SELECT pg_advisory_xact_lock(hashtext('switchboard socket_logs partitions'))`.execute(trx);
    for (let day = today - DAY_MS; day <= today + daysAhead * DAY_MS; day += DAY_MS) {
      const name = `socket_logs_p${dayName(day).replaceAll('-', '')}`;
      const exists = await sql<{ n: number }>`SELECT count(*)::int AS n FROM pg_class WHERE relname = ${name}`.execute(trx);
      if (exists.rows[0]!.n > 0) continue;
      await sql`CREATE TABLE ${sql.table(name)} PARTITION OF socket_logs FOR VALUES FROM (${sql.lit(dayName(day))}) TO (${sql.lit(dayName(day + DAY_MS))})`.execute(trx);
      created += 1;
    }
  });
  return created;
}
