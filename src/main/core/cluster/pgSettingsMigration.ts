import { sql, type Kysely, type Migration } from 'kysely';

/**
 * Cluster gaps of issue #18: the centre-wide settings (status thresholds, run
 * cards) move to the shared database, as SQLite migration 007 keeps them on one
 * node; and at most one open alert per condition key, cluster-wide. Two nodes
 * that raised the same key before this left two open rows: all but the
 * earliest are resolved here (body too, which is what nodes load), so the
 * unique index can be built.
 */
export const m006CentreSettings: Migration = {
  async up(db: Kysely<unknown>) {
    await sql`CREATE TABLE centre_settings (
      key text PRIMARY KEY,
      value text NOT NULL,
      updated_by text,
      updated_at text NOT NULL
    )`.execute(db);
    await sql`WITH ranked AS (
        SELECT id, row_number() OVER (PARTITION BY key ORDER BY raised_at, id) AS n FROM alerts WHERE cleared_at IS NULL
      ), stamp AS (SELECT to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS at)
      UPDATE alerts SET cleared_at = stamp.at,
        body = jsonb_set(jsonb_set(body::jsonb, '{cleared_at}', to_jsonb(stamp.at)), '{updated_at}', to_jsonb(stamp.at))::text
      FROM ranked, stamp WHERE alerts.id = ranked.id AND ranked.n > 1`.execute(db);
    await sql`CREATE UNIQUE INDEX alerts_one_open_per_key ON alerts (key) WHERE cleared_at IS NULL`.execute(db);
  },
  async down(db: Kysely<unknown>) {
    await sql`DROP INDEX IF EXISTS alerts_one_open_per_key`.execute(db);
    await sql`DROP TABLE IF EXISTS centre_settings`.execute(db);
  }
};
