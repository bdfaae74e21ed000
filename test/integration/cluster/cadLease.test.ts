import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CAD_LEASE, startLease, type Lease } from '../../../src/main/core/cluster/cadLease';
import { createPgOutbox, type PgOutbox } from '../../../src/main/core/cluster/pgOutbox';
import { openPostgres, type PgDatabase } from '../../../src/main/core/log/storage/postgres/pgDatabase';
import { migratePostgres } from '../../../src/main/core/log/storage/postgres/pgMigrations';
import { startPostgres, type TestPostgres } from '../../helpers/engines';
import { waitFor } from '../../helpers/waitFor';

const silent = pino({ level: 'silent' });
const TTL_MS = 1_500;
const RENEW_MS = 300;

describe('the CAD link has one holder at a time: a lease in PostgreSQL, fenced by its epoch', () => {
  let server: TestPostgres;
  let pg: PgDatabase;
  let outbox: PgOutbox;
  const leases: Lease[] = [];
  const lease = (node: string) => {
    const l = startLease({ pg, name: CAD_LEASE, holder: node, incarnation: `${node}/1`, ttlMs: TTL_MS, renewMs: RENEW_MS, logger: silent });
    leases.push(l);
    return l;
  };

  beforeAll(async () => {
    server = await startPostgres();
    pg = openPostgres(server.url, { max: 6 });
    await migratePostgres(pg.db);
    outbox = createPgOutbox(pg);
  });
  afterAll(async () => {
    for (const l of leases) await l.close();
    await pg?.close();
    await server?.stop();
  });

  it('passes to the other node only after the holder stops renewing, with a new epoch that fences the old holder off', async () => {
    const a = lease('node-a');
    await waitFor('node-a to take the free lease', () => a.state().held);
    const b = lease('node-b');
    await b.tick();
    expect(b.state()).toEqual({ held: false, epoch: null });
    const first = a.state().epoch!;

    const queued = [];
    for (let i = 1; i <= 4; i += 1) queued.push(await outbox.enqueue({ event: 'unit:status:update', payload: { n: i }, idempotencyKey: `k-${i}` }));
    await outbox.settle(queued[0]!.id, 'delivered', { lease: CAD_LEASE, incarnation: 'node-a/1', epoch: first });

    // node-a dies: it stops renewing (nobody releases the lease). node-b takes it once it expired on the database clock.
    const diedAt = Date.now();
    await a.close();
    await waitFor('node-b to take the expired lease', async () => (await b.tick()).held);
    const takeoverMs = Date.now() - diedAt;
    const second = b.state().epoch!;
    expect(second).toBe(first + 1);
    expect(takeoverMs).toBeGreaterThanOrEqual(TTL_MS - RENEW_MS);

    // A paused node-a that wakes up and settles under its old epoch is refused; the message stays pending.
    await expect(outbox.settle(queued[1]!.id, 'delivered', { lease: CAD_LEASE, incarnation: 'node-a/1', epoch: first })).rejects.toMatchObject({ code: 'CONFLICT' });
    // The new holder resumes from the oldest pending message.
    const pending = await outbox.pendingAfter(0, 10);
    expect(pending.map((p) => p.payload.n)).toEqual([2, 3, 4]);
    for (const p of pending) await outbox.settle(p.id, 'delivered', { lease: CAD_LEASE, incarnation: 'node-b/1', epoch: second });
    expect(await outbox.pendingAfter(0, 10)).toEqual([]);
    console.log(`cad lease: taken over ${takeoverMs} ms after the holder stopped renewing (ttl ${TTL_MS} ms, renew ${RENEW_MS} ms), epoch ${first} -> ${second}`);
  });

  it('keeps one message per idempotency key, whichever node enqueues it', async () => {
    const one = await outbox.enqueue({ event: 'assignment:send', payload: { unit: 'M1' }, idempotencyKey: 'assign-77' });
    const again = await outbox.enqueue({ event: 'assignment:send', payload: { unit: 'M1' }, idempotencyKey: 'assign-77' });
    expect(again).toEqual({ id: one.id, duplicate: true, event: 'assignment:send', status: 'pending' });
  });

  it('allocates outbox ids in commit order, so a reader walking ids never skips one that committed late', async () => {
    const slow = await pg.pool.connect();
    try {
      await slow.query('BEGIN');
      const early = await outbox.enqueueIn(slow, { event: 'x', payload: { who: 'slow' }, idempotencyKey: 'order-slow' });
      const fast = outbox.enqueue({ event: 'x', payload: { who: 'fast' }, idempotencyKey: 'order-fast' });
      // The second enqueuer waits on the counter row until the first commits.
      await waitFor('the second enqueue to wait for the first one\'s lock', async () => {
        const r = await server.query<{ n: number }>("SELECT count(*)::int AS n FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE '%cad_outbox_ids%'");
        return r.rows[0]!.n === 1;
      });
      const readerSaw = (await outbox.pendingAfter(early.id - 1, 10)).map((p) => p.payload.who);
      expect(readerSaw).toEqual([]); // neither is visible yet: nothing for a cursor to skip past
      await slow.query('COMMIT');
      const late = await fast;
      expect(late.id).toBe(early.id + 1);
      expect((await outbox.pendingAfter(early.id - 1, 10)).map((p) => p.payload.who)).toEqual(['slow', 'fast']);
    } finally {
      slow.release();
    }
  });
});
