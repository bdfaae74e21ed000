import { afterEach, describe, expect, it } from 'vitest';
import { openDatabase, type Database } from '../../../src/main/core/db/database';
import { createOutboxStore } from '../../../src/main/core/bridge/outbox';
import { tempDir } from '../../helpers/core';

let database: Database | undefined;
afterEach(async () => {
  await database?.close();
  database = undefined;
});

describe('the outbox store', () => {
  it('queues in order, survives reopening, and settles each row once', async () => {
    const dir = tempDir('switchboard-outbox-');
    database = await openDatabase(dir);
    let store = createOutboxStore(database.db, database.sqlite);
    const receipts = await Promise.all(
      [1, 2, 3].map((n) => store.enqueue({ event: 'metrics:broadcast', body: { metrics: { n } }, requestedBy: 'operator:ada' }))
    );
    expect(receipts.map((r) => r.duplicate)).toEqual([false, false, false]);
    expect(receipts[0]!.outbox_id).toBeLessThan(receipts[1]!.outbox_id);
    await database.close();

    database = await openDatabase(dir);
    store = createOutboxStore(database.db, database.sqlite);
    expect(store.counts().pending).toBe(3);
    const pending = store.pendingAfter(0, 10);
    expect(pending.map((p) => (p.payload.metrics as { n: number }).n)).toEqual([1, 2, 3]);
    expect(pending[0]!.payload.idempotency_key).toBe(receipts[0]!.idempotency_key);

    store.markDelivered(pending[0]!.id, 2);
    store.markRejected(pending[1]!.id, 'NOT_FOUND: no such thing', 1);
    store.markDelivered(pending[0]!.id, 3); // a late second ack changes nothing
    store.flush();
    expect(store.counts()).toMatchObject({ pending: 1, rejected: 1 });
    expect(store.pendingAfter(0, 10).map((p) => p.id)).toEqual([pending[2]!.id]);
    expect(store.pendingAfter(pending[2]!.id, 10)).toEqual([]);
  });

  it('answers a repeated idempotency key with the first row', async () => {
    database = await openDatabase(tempDir('switchboard-outbox-'));
    const store = createOutboxStore(database.db, database.sqlite);
    const [a, b] = await Promise.all([
      store.enqueue({ event: 'unit:status:update', body: { unit_id: 'U1', status: 'available', incident_id: null }, idempotencyKey: 'tablet-42-0001' }),
      store.enqueue({ event: 'unit:status:update', body: { unit_id: 'U1', status: 'available', incident_id: null }, idempotencyKey: 'tablet-42-0001' })
    ]);
    expect(a).toMatchObject({ duplicate: false });
    expect(b).toMatchObject({ duplicate: true, outbox_id: a!.outbox_id });
    expect(store.counts().pending).toBe(1);
  });
});
