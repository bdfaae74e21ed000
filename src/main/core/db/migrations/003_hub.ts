import type { Kysely, Migration } from 'kysely';

/** The hospitals registry the ambulance request flow routes to (seeded from resources/hospitals.json). */
export const m003Hub: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable('hospitals')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('latitude', 'real', (c) => c.notNull())
      .addColumn('longitude', 'real', (c) => c.notNull())
      .addColumn('accepting', 'integer', (c) => c.notNull().defaultTo(1))
      .addColumn('address', 'text')
      .addColumn('phone', 'text')
      .addColumn('updated_at', 'text', (c) => c.notNull())
      .execute();
  },
  async down(db: Kysely<unknown>) {
    await db.schema.dropTable('hospitals').execute();
  }
};
