import { sql, type Kysely, type Migration } from 'kysely';

/**
 * Client event ids (docs/hub-protocol.md, "Exactly once"): which log row an
 * event id of an identity was recorded as. Written in the same group commit as
 * the row, so a resend after a crash finds the original and writes nothing.
 * WITHOUT ROWID: the primary key is the table, one B-tree per lookup and insert.
 * `created_at` lets retention drop ids older than any resend can be.
 */
export const m006ClientEventIds: Migration = {
  async up(db: Kysely<unknown>) {
    await sql`CREATE TABLE client_event_ids (
      owner TEXT NOT NULL,
      event_id TEXT NOT NULL,
      log_id INTEGER NOT NULL,
      created_at INTEGER NOT NULL,
      PRIMARY KEY (owner, event_id)
    ) WITHOUT ROWID`.execute(db);
    await db.schema.createIndex('idx_client_event_ids_created').on('client_event_ids').column('created_at').execute();
  },
  async down(db: Kysely<unknown>) {
    await db.schema.dropTable('client_event_ids').execute();
  }
};
