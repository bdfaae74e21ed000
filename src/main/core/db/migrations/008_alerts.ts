import type { Kysely, Migration } from 'kysely';

/**
 * Alerts survive a restart: an unacknowledged critical alert that lived only
 * in memory vanished with the process, and the console that still showed it
 * could no longer acknowledge it. One row per alert, the whole alert (receipt
 * trail included) as JSON; `cleared_at` and `raised_at` are columns so the
 * restore reads open alerts and the newest resolved ones without parsing all.
 */
export const m008Alerts: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable('alerts')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('key', 'text', (c) => c.notNull())
      .addColumn('raised_at', 'text', (c) => c.notNull())
      .addColumn('cleared_at', 'text')
      .addColumn('body', 'text', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('alerts_cleared_raised').on('alerts').columns(['cleared_at', 'raised_at']).execute();
  },
  async down(db: Kysely<unknown>) {
    await db.schema.dropTable('alerts').execute();
  }
};
