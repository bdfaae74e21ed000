import { sql, type Kysely, type Migration } from 'kysely';

/**
 * The CAD bridge's durable outbox: every outbound action waits here until the
 * CAD acknowledges it, so an outage or a console restart loses nothing. `id`
 * gives the delivery order; `idempotency_key` lets the CAD drop repeats.
 */
export const m004Bridge: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable('bridge_outbox')
      .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
      .addColumn('idempotency_key', 'text', (c) => c.notNull().unique())
      .addColumn('event', 'text', (c) => c.notNull())
      .addColumn('payload', 'text', (c) => c.notNull())
      .addColumn('status', 'text', (c) => c.notNull().defaultTo('pending'))
      .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('requested_by', 'text')
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('delivered_at', 'text')
      .addColumn('last_error', 'text')
      .execute();
    // The drain reads pending rows in id order; a partial index keeps that cheap however many are delivered.
    await db.schema
      .createIndex('bridge_outbox_pending')
      .on('bridge_outbox')
      .column('id')
      .where(sql.ref('status'), '=', 'pending')
      .execute();
  },
  async down(db: Kysely<unknown>) {
    await db.schema.dropTable('bridge_outbox').execute();
  }
};
