import type { Kysely, Migration } from 'kysely';

/**
 * Settings that hold for the whole centre rather than one workstation (the
 * time-in-status thresholds a supervisor sets): one JSON value per key, with
 * who changed it last and when.
 */
export const m007CentreSettings: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable('centre_settings')
      .addColumn('key', 'text', (c) => c.primaryKey())
      .addColumn('value', 'text', (c) => c.notNull())
      .addColumn('updated_by', 'text')
      .addColumn('updated_at', 'text', (c) => c.notNull())
      .execute();
  },
  async down(db: Kysely<unknown>) {
    await db.schema.dropTable('centre_settings').execute();
  }
};
