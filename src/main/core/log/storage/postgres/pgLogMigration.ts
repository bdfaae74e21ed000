import { sql, type Kysely, type Migration } from 'kysely';

/**
 * 005: the whole socket log on PostgreSQL (pgLogStorage.ts), not only its writes.
 *
 * - Ids in commit order: one counter row, updated inside each writing
 *   transaction, hands out the batch's ids (a sequence does not: one node's id 7
 *   could commit after another's id 8, and a reader past 8 never saw 7). The row
 *   also holds the newest created_at, so times never go back between ids even
 *   when two nodes' clocks disagree.
 * - The row as it is now: update records are chained and kept, and these `cur_*`
 *   columns hold the current values the reads, filters and statistics use (the
 *   MAC-covered columns keep what the row was written with).
 * - The access log (who read the log), chained in its node incarnation's chain.
 * - Counters by role with response-time sums, as the statistics need them.
 * - Anchors: where a chain starts after retention dropped its oldest days.
 */
export const m005LogStorage: Migration = {
  async up(db: Kysely<unknown>) {
    await sql`CREATE TABLE socket_log_id_counter (
      only_row boolean PRIMARY KEY DEFAULT true CHECK (only_row),
      last_id bigint NOT NULL,
      last_created_at timestamptz NOT NULL
    )`.execute(db);
    await sql`INSERT INTO socket_log_id_counter (only_row, last_id, last_created_at)
      SELECT true, GREATEST(coalesce(max(id), 0), (SELECT last_value FROM socket_log_ids)), coalesce(max(created_at), 'epoch') FROM socket_logs`.execute(db);
    await sql`ALTER TABLE socket_logs
      ADD COLUMN cur_response_data text, ADD COLUMN cur_error_message text, ADD COLUMN cur_response_time_ms bigint,
      ADD COLUMN cur_hospital_id text, ADD COLUMN cur_hospital_name text, ADD COLUMN cur_distance_km double precision,
      ADD COLUMN cur_processed boolean, ADD COLUMN processed_at timestamptz`.execute(db);
    await sql`UPDATE socket_logs SET cur_response_data = response_data, cur_error_message = error_message, cur_response_time_ms = response_time_ms,
      cur_hospital_id = hospital_id, cur_hospital_name = hospital_name, cur_distance_km = distance_km, cur_processed = processed`.execute(db);
    await sql`CREATE INDEX socket_logs_id ON socket_logs (id)`.execute(db);
    await sql`CREATE SEQUENCE socket_log_access_ids AS bigint`.execute(db);
    await sql`CREATE TABLE socket_log_access (
      id bigint PRIMARY KEY,
      at timestamptz NOT NULL,
      actor text NOT NULL,
      actor_role text,
      channel text NOT NULL,
      query text NOT NULL,
      params text NOT NULL,
      row_count bigint NOT NULL,
      incarnation text NOT NULL,
      chain_seq bigint NOT NULL,
      mac bytea NOT NULL,
      UNIQUE (incarnation, chain_seq)
    )`.execute(db);
    await sql`CREATE INDEX socket_log_access_actor ON socket_log_access (actor, id)`.execute(db);
    await sql`ALTER TABLE log_counters ADD COLUMN user_role text NOT NULL DEFAULT '', ADD COLUMN rt_sum bigint NOT NULL DEFAULT 0, ADD COLUMN rt_count bigint NOT NULL DEFAULT 0`.execute(db);
    await sql`ALTER TABLE log_counters DROP CONSTRAINT log_counters_pkey`.execute(db);
    await sql`ALTER TABLE log_counters ADD PRIMARY KEY (minute, node, event_type, status, user_role)`.execute(db);
    await sql`CREATE TABLE log_anchors (
      incarnation text PRIMARY KEY,
      seq bigint NOT NULL,
      mac bytea NOT NULL,
      anchor_mac bytea NOT NULL,
      moved_at timestamptz NOT NULL
    )`.execute(db);
  },
  async down(db: Kysely<unknown>) {
    await sql`DROP TABLE IF EXISTS log_anchors`.execute(db);
    await sql`ALTER TABLE log_counters DROP CONSTRAINT log_counters_pkey`.execute(db);
    await sql`DELETE FROM log_counters WHERE user_role <> ''`.execute(db);
    await sql`ALTER TABLE log_counters DROP COLUMN user_role, DROP COLUMN rt_sum, DROP COLUMN rt_count, ADD PRIMARY KEY (minute, node, event_type, status)`.execute(db);
    await sql`DROP TABLE IF EXISTS socket_log_access`.execute(db);
    await sql`DROP SEQUENCE IF EXISTS socket_log_access_ids`.execute(db);
    await sql`DROP INDEX IF EXISTS socket_logs_id`.execute(db);
    await sql`ALTER TABLE socket_logs DROP COLUMN cur_response_data, DROP COLUMN cur_error_message, DROP COLUMN cur_response_time_ms,
      DROP COLUMN cur_hospital_id, DROP COLUMN cur_hospital_name, DROP COLUMN cur_distance_km, DROP COLUMN cur_processed, DROP COLUMN processed_at`.execute(db);
    await sql`DROP TABLE IF EXISTS socket_log_id_counter`.execute(db);
  }
};
