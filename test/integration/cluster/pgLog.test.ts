import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LogWriter } from '../../../src/main/core/log/write/writer';
import { writeCheckpoint } from '../../../src/main/core/log/storage/postgres/pgCheckpoints';
import { openPostgres, type PgDatabase } from '../../../src/main/core/log/storage/postgres/pgDatabase';
import { ensureDailyPartitions, migratePostgres, pendingPostgresMigrations, PG_MIGRATIONS } from '../../../src/main/core/log/storage/postgres/pgMigrations';
import { verifyPostgresLog } from '../../../src/main/core/log/storage/postgres/pgVerify';
import { startPostgres, type TestPostgres } from '../../helpers/engines';
import { clusterKeys, startPgLogNode, type PgLogNode } from './pgLogNodes';

const keys = clusterKeys();
const key = keys.mac;

describe('the socket log on PostgreSQL, written by two nodes at once', () => {
  let server: TestPostgres;
  let pg: PgDatabase;
  let a: PgLogNode;
  let b: PgLogNode;
  let nodeA: LogWriter;
  let nodeB: LogWriter;

  beforeAll(async () => {
    server = await startPostgres();
    pg = openPostgres(server.url, { applicationName: 'test' });
    expect(await pendingPostgresMigrations(pg.db)).toEqual(Object.keys(PG_MIGRATIONS));
    expect(await migratePostgres(pg.db)).toEqual(Object.keys(PG_MIGRATIONS));
    expect(await migratePostgres(pg.db)).toEqual([]); // a second `switchboard migrate` changes nothing
    expect(await ensureDailyPartitions(pg.db, Date.now())).toBe(9);
    expect(await ensureDailyPartitions(pg.db, Date.now())).toBe(0);
    a = await startPgLogNode(pg, 'a', keys);
    b = await startPgLogNode(pg, 'b', keys);
    nodeA = a.writer;
    nodeB = b.writer;
  });

  afterAll(async () => {
    await a?.close();
    await b?.close();
    await pg?.close();
    await server?.stop();
  });

  it('records every event once, even when a device resends the same event id to the other node', async () => {
    const send = (writer: LogWriter, device: number, n: number) =>
      writer.createSocketLog({ eventType: 'device_data', socketId: `s-${device}`, userId: `dev-${device}`, userRole: 'device', eventData: { n, note: 'nul\u0000inside' }, status: 'success', clientEventId: `dev-${device}:${n}` });
    // Ten devices, 100 events each, split over both nodes; every event is then resent to the other node.
    const first = await Promise.all(Array.from({ length: 1000 }, (_, i) => send(i % 2 ? nodeA : nodeB, i % 10, Math.floor(i / 10))));
    const resent = await Promise.all(Array.from({ length: 1000 }, (_, i) => send(i % 2 ? nodeB : nodeA, i % 10, Math.floor(i / 10))));
    expect(first.every((a) => !a.duplicate)).toBe(true);
    expect(resent.every((a, i) => a.duplicate && a.id === first[i]!.id)).toBe(true);
    const rows = await server.query<{ n: number; distinct_ids: number }>("SELECT count(*)::int AS n, count(DISTINCT client_event_id)::int AS distinct_ids FROM socket_logs WHERE event_type = 'device_data'");
    expect(rows.rows[0]).toEqual({ n: 1000, distinct_ids: 1000 });
  });

  it('keeps the statistics counters equal to a GROUP BY over the rows, updates included', async () => {
    const { id } = await nodeA.createSocketLog({ eventType: 'ambulance_request', socketId: 's-p', userId: 'p-1', userRole: 'patient', status: 'pending' });
    await nodeB.updateSocketLog(id, { status: 'success', responseTimeMs: 1200, hospitalName: 'North' });
    await expect(nodeB.updateSocketLog(999_999_999, { status: 'failed' })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    const counted = await server.query("SELECT event_type, status, sum(count)::int AS n FROM log_counters GROUP BY 1, 2 HAVING sum(count) <> 0 ORDER BY 1, 2");
    const grouped = await server.query('SELECT event_type, current_status AS status, count(*)::int AS n FROM socket_logs GROUP BY 1, 2 ORDER BY 1, 2');
    expect(counted.rows).toEqual(grouped.rows);
    expect(grouped.rows).toContainEqual({ event_type: 'ambulance_request', status: 'success', n: 1 });
  });

  it('verifies both chains and the checkpoints, and names the first row someone edited', async () => {
    expect(await writeCheckpoint(pg, key, 'a')).toBe(1);
    expect(await writeCheckpoint(pg, key, 'b')).toBeNull(); // nothing moved since
    await nodeA.createSocketLog({ eventType: 'device_status', socketId: 's-x', status: 'success' });
    expect(await writeCheckpoint(pg, key, 'b')).toBe(2);
    const clean = await verifyPostgresLog(pg, key);
    expect(clean).toMatchObject({ ok: true, chains: 2, rows: 1002, updates: 1, checkpoints: 2, firstBad: null });

    const victim = (await server.query<{ id: number; incarnation: string; chain_seq: number }>('SELECT id::int, incarnation, chain_seq::int FROM socket_logs ORDER BY id LIMIT 1 OFFSET 500')).rows[0]!;
    await server.query(`UPDATE socket_logs SET event_data = '{"n":0}' WHERE id = $1`, [victim.id]);
    const edited = await verifyPostgresLog(pg, key);
    expect(edited.ok).toBe(false);
    expect(edited.firstBad).toMatchObject({ chain: victim.incarnation, seq: victim.chain_seq, logId: victim.id, reason: expect.stringContaining('edited') });
  });

  it('sees a deleted tail even though the chain head moves with the rows (the checkpoint sealed it)', async () => {
    const last = (await server.query<{ incarnation: string; chain_seq: number }>("SELECT incarnation, chain_seq::int FROM socket_logs WHERE event_type = 'device_status'")).rows[0]!;
    // Someone with database access but without the key deletes the row and rewinds the head to the link before.
    await server.query("DELETE FROM socket_logs WHERE event_type = 'device_status'");
    await server.query('UPDATE log_chains SET last_seq = last_seq - 1 WHERE incarnation = $1', [last.incarnation]);
    const report = await verifyPostgresLog(pg, key);
    expect(report.ok).toBe(false);
    expect(report.firstBad).toMatchObject({ chain: last.incarnation, reason: 'the chain head seal does not verify' });
  });
});
