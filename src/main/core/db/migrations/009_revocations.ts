import type { Kysely, Migration } from 'kysely';

/**
 * Revocable tokens: what was revoked (one token by id, every token of a subject
 * or a device issued up to a moment), and the registry of issued device tokens
 * (who issued, when, last seen) an admin looks at to revoke a lost tablet.
 */
export const m009Revocations: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable('token_revocations')
      .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
      .addColumn('kind', 'text', (c) => c.notNull())
      .addColumn('value', 'text', (c) => c.notNull())
      .addColumn('issued_before', 'integer', (c) => c.notNull())
      .addColumn('revoked_at', 'text', (c) => c.notNull())
      .addColumn('revoked_by', 'text', (c) => c.notNull())
      .addColumn('reason', 'text')
      .execute();
    await db.schema
      .createTable('issued_tokens')
      .addColumn('jti', 'text', (c) => c.primaryKey())
      .addColumn('subject', 'text', (c) => c.notNull())
      .addColumn('role', 'text', (c) => c.notNull())
      .addColumn('device_id', 'text')
      .addColumn('device_type', 'text')
      .addColumn('issued_by', 'text', (c) => c.notNull())
      .addColumn('issued_at', 'text', (c) => c.notNull())
      .addColumn('expires_at', 'text', (c) => c.notNull())
      .addColumn('last_seen_at', 'text')
      .execute();
    await db.schema.createIndex('issued_tokens_subject').on('issued_tokens').column('subject').execute();
  },
  async down(db: Kysely<unknown>) {
    await db.schema.dropTable('issued_tokens').execute();
    await db.schema.dropTable('token_revocations').execute();
  }
};
