import { sql, type Kysely, type Migration } from 'kysely';

/**
 * The hospital index holds only rows that name a hospital. Most of the log is
 * crews' location updates with no hospital, and each of them paid an index
 * insert on the commit path for an entry no query reads: every hospital query
 * filters `hospital_id = ?`, which SQLite serves from a partial index on
 * `hospital_id IS NOT NULL`. Rebuilding reads the table once, at the first start
 * after the upgrade.
 */
export const m010HospitalIndexPartial: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema.dropIndex('idx_socket_logs_hospital_time').ifExists().execute();
    await sql`CREATE INDEX idx_socket_logs_hospital_time ON socket_logs (hospital_id, created_at) WHERE hospital_id IS NOT NULL`.execute(db);
  },
  async down(db: Kysely<unknown>) {
    await db.schema.dropIndex('idx_socket_logs_hospital_time').ifExists().execute();
    await db.schema.createIndex('idx_socket_logs_hospital_time').on('socket_logs').columns(['hospital_id', 'created_at']).execute();
  }
};
