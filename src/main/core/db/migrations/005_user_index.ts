import type { Kysely, Migration } from 'kysely';

/**
 * The per-user index moves out of socket_logs into its own file, filled in
 * batches by the user indexer (log/userIndex/userIndex.ts explains why). The log service
 * builds the new index from existing rows on its first start.
 */
export const m005UserIndex: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema.dropIndex('idx_socket_logs_user_time').ifExists().execute();
  },
  async down(db: Kysely<unknown>) {
    await db.schema.createIndex('idx_socket_logs_user_time').ifNotExists().on('socket_logs').columns(['user_id', 'created_at']).execute();
  }
};
