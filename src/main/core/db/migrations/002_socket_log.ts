import type { Kysely, Migration } from 'kysely';

/**
 * The socket log: rows, update records, access log, chain heads and counters.
 * Indexes cover every filter the queries use, each ending in created_at so a
 * "newest first, limit 100" page walks the index without sorting (SQLite keeps
 * the rowid as the last key, which gives the id tie-break for free). There is no
 * socket_id index: no query filters on it, and every index costs ingest speed.
 */
export const m002SocketLog: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable('socket_logs')
      // AUTOINCREMENT: ids are never reused after retention deletes, so the chain and
      // archives can name rows forever.
      .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('event_type', 'text', (c) => c.notNull())
      .addColumn('socket_id', 'text', (c) => c.notNull())
      .addColumn('user_id', 'text')
      .addColumn('user_role', 'text')
      .addColumn('event_data', 'text')
      .addColumn('request_data', 'text')
      .addColumn('response_data', 'text')
      .addColumn('patient_latitude', 'real')
      .addColumn('patient_longitude', 'real')
      .addColumn('hospital_id', 'text')
      .addColumn('hospital_name', 'text')
      .addColumn('distance_km', 'real')
      .addColumn('status', 'text', (c) => c.notNull().defaultTo('pending'))
      .addColumn('error_message', 'text')
      .addColumn('processed', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('processed_at', 'bigint')
      .addColumn('response_time_ms', 'integer')
      .addColumn('ip_address', 'text')
      .addColumn('user_agent', 'text')
      .addColumn('session_duration', 'integer')
      .addColumn('version', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('mac', 'blob', (c) => c.notNull())
      .execute();
    const index = (name: string, columns: string[]) =>
      db.schema.createIndex(name).on('socket_logs').columns(columns).execute();
    await index('idx_socket_logs_created_at', ['created_at']);
    await index('idx_socket_logs_type_time', ['event_type', 'created_at']);
    await index('idx_socket_logs_user_time', ['user_id', 'created_at']);
    await index('idx_socket_logs_hospital_time', ['hospital_id', 'created_at']);
    await index('idx_socket_logs_role_time', ['user_role', 'created_at']);

    await db.schema
      .createTable('socket_log_updates')
      .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
      .addColumn('log_id', 'integer', (c) => c.notNull())
      .addColumn('version', 'integer', (c) => c.notNull())
      .addColumn('at', 'bigint', (c) => c.notNull())
      .addColumn('changes', 'text', (c) => c.notNull())
      .addColumn('before_digest', 'blob', (c) => c.notNull())
      .addColumn('after_digest', 'blob', (c) => c.notNull())
      .addColumn('mac', 'blob', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('idx_socket_log_updates_log').on('socket_log_updates').columns(['log_id', 'version']).execute();

    await db.schema
      .createTable('socket_log_access')
      .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
      .addColumn('at', 'bigint', (c) => c.notNull())
      .addColumn('actor', 'text', (c) => c.notNull())
      .addColumn('actor_role', 'text')
      .addColumn('channel', 'text', (c) => c.notNull())
      .addColumn('query', 'text', (c) => c.notNull())
      .addColumn('params', 'text', (c) => c.notNull())
      .addColumn('row_count', 'integer', (c) => c.notNull())
      .addColumn('mac', 'blob', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('idx_socket_log_access_at').on('socket_log_access').columns(['at']).execute();
    await db.schema.createIndex('idx_socket_log_access_actor').on('socket_log_access').columns(['actor', 'at']).execute();

    await db.schema
      .createTable('socket_log_chains')
      .addColumn('chain', 'text', (c) => c.primaryKey())
      .addColumn('head_id', 'integer', (c) => c.notNull())
      .addColumn('head_mac', 'blob', (c) => c.notNull())
      .addColumn('anchor_id', 'integer', (c) => c.notNull())
      .addColumn('anchor_mac', 'blob', (c) => c.notNull())
      .addColumn('record_count', 'integer', (c) => c.notNull())
      .addColumn('seal', 'blob', (c) => c.notNull())
      .execute();

    await db.schema
      .createTable('socket_log_counters')
      .addColumn('granularity', 'text', (c) => c.notNull())
      .addColumn('bucket', 'bigint', (c) => c.notNull())
      .addColumn('event_type', 'text', (c) => c.notNull())
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('user_role', 'text', (c) => c.notNull())
      .addColumn('count', 'integer', (c) => c.notNull())
      .addColumn('rt_sum', 'bigint', (c) => c.notNull().defaultTo(0))
      .addColumn('rt_count', 'integer', (c) => c.notNull().defaultTo(0))
      .addPrimaryKeyConstraint('pk_socket_log_counters', ['granularity', 'bucket', 'event_type', 'status', 'user_role'])
      .execute();
  },
  async down(db: Kysely<unknown>) {
    for (const table of ['socket_log_counters', 'socket_log_chains', 'socket_log_access', 'socket_log_updates', 'socket_logs']) {
      await db.schema.dropTable(table).execute();
    }
  }
};
