import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyExportFile } from '../../../src/main/core/log/integrity/manifest';
import { writeCheckpoint } from '../../../src/main/core/log/storage/postgres/pgCheckpoints';
import { openPostgres, type PgDatabase } from '../../../src/main/core/log/storage/postgres/pgDatabase';
import { ensureDailyPartitions, migratePostgres } from '../../../src/main/core/log/storage/postgres/pgMigrations';
import { verifyPostgresLog } from '../../../src/main/core/log/storage/postgres/pgVerify';
import { runCli } from '../../helpers/cli';
import { startPostgres, type TestPostgres } from '../../helpers/engines';
import { waitFor } from '../../helpers/waitFor';
import { clusterKeys, startPgLogNode, type PgLogNode } from './pgLogNodes';

const LOG_SECRET = 'a-shared-cluster-log-secret-of-enough-length-0123456789';
const keys = clusterKeys(LOG_SECRET);
const DAY = 86_400_000;

const device = (n: number, node: string) => ({
  eventType: n % 5 === 0 ? 'ambulance_request' : 'device_data',
  socketId: `s-${n % 7}`,
  userId: `dev-${n % 7}`,
  userRole: n % 5 === 0 ? 'patient' : 'device',
  eventData: { n, node },
  status: (n % 5 === 0 ? 'pending' : 'success') as 'pending' | 'success',
  clientEventId: `${node}:${n}`
});

describe('the socket log on PostgreSQL through the LogStorage seam, two nodes at once', () => {
  let server: TestPostgres;
  let pg: PgDatabase;
  let a: PgLogNode;
  let b: PgLogNode;

  beforeAll(async () => {
    server = await startPostgres();
    pg = openPostgres(server.url, { applicationName: 'test', max: 12 });
    await migratePostgres(pg.db);
    a = await startPgLogNode(pg, 'node-a', keys, { maxBatch: 50 });
    b = await startPgLogNode(pg, 'node-b', keys, { maxBatch: 50 });
  });
  afterAll(async () => {
    await a?.close();
    await b?.close();
    await pg?.close();
    await server?.stop();
  });

  it('hands out ids in commit order: a reader paging by id cursor sees every row exactly once while both nodes write', async () => {
    const seen: number[] = [];
    let cursor = 0;
    let writing = true;
    // The reader pages "rows after the last id I saw", as a replication or audit consumer would.
    const reader = (async () => {
      for (;;) {
        const done = !writing;
        const page = await server.query<{ id: number }>('SELECT id::int FROM socket_logs WHERE id > $1 ORDER BY id LIMIT 200', [cursor]);
        for (const r of page.rows) seen.push(r.id);
        if (page.rows.length > 0) cursor = page.rows[page.rows.length - 1]!.id;
        else if (done) return;
      }
    })();
    // Many small batches from both nodes, interleaved: with a sequence, one node's lower ids often committed after the other's higher ones.
    const writes: Array<Promise<unknown>> = [];
    for (let n = 0; n < 3000; n += 1) writes.push((n % 2 ? a : b).writer.createSocketLog(device(n, n % 2 ? 'a' : 'b')));
    const acks = (await Promise.all(writes)) as Array<{ id: number }>;
    writing = false;
    await reader;

    expect(new Set(acks.map((x) => x.id)).size).toBe(3000);
    expect(seen).toHaveLength(3000);
    expect(new Set(seen).size).toBe(3000);
    expect([...seen].sort((x, y) => x - y)).toEqual([...acks.map((x) => x.id)].sort((x, y) => x - y));
    // Times never go back between consecutive ids, across nodes.
    const backwards = await server.query<{ n: number }>('SELECT count(*)::int AS n FROM (SELECT created_at < lag(created_at) OVER (ORDER BY id) AS back FROM socket_logs) t WHERE back');
    expect(backwards.rows[0]!.n).toBe(0);
  });

  it('reads, filters and counts the rows as they are now, updates from the other node included', async () => {
    const [request] = await a.storage.listRows({ eventTypes: ['ambulance_request'], status: 'pending' }, { limit: 1, offset: 0 });
    await b.writer.updateSocketLog(request!.id, { status: 'success', responseTimeMs: 1200, hospitalId: 'h-north', hospitalName: 'North' });
    const [updated] = await a.storage.listRows({ hospitalId: 'h-north' }, { limit: 10, offset: 0 });
    expect(updated).toMatchObject({ id: request!.id, status: 'success', response_time_ms: 1200, hospital_name: 'North', processed: true, version: 1 });
    expect(updated!.processed_at).not.toBeNull();

    const page = await b.storage.listRows({ userId: 'dev-3' }, { limit: 5, offset: 0 });
    expect(page).toHaveLength(5);
    expect(page.every((r) => r.user_id === 'dev-3')).toBe(true);
    // Newest first by (created_at, id).
    expect(page.map((r) => r.id)).toEqual([...page.map((r) => r.id)].sort((x, y) => y - x));
    expect(await a.storage.countRows({ userRoles: ['patient'] }, 10_000)).toEqual({ total: 600, capped: false });
    expect(await a.storage.countRows({}, 100)).toEqual({ total: 100, capped: true });
    const last = await a.storage.lastActivity(['ambulance_request', 'no_such_type'], {});
    expect([...last.keys()]).toEqual(['ambulance_request']);
  });

  it('keeps the counters per node and minute equal to a GROUP BY over the rows, and statistics agree with the rows', async () => {
    const counted = await server.query(
      "SELECT minute, node, event_type, status, user_role, count::int, rt_sum::int, rt_count::int FROM log_counters WHERE count <> 0 ORDER BY 1, 2, 3, 4, 5"
    );
    const grouped = await server.query(
      `SELECT date_trunc('minute', created_at) AS minute, split_part(incarnation, '/', 1) AS node, event_type, current_status AS status, coalesce(user_role, '') AS user_role,
         count(*)::int AS count, coalesce(sum(cur_response_time_ms), 0)::int AS rt_sum, count(cur_response_time_ms)::int AS rt_count
       FROM socket_logs GROUP BY 1, 2, 3, 4, 5 ORDER BY 1, 2, 3, 4, 5`
    );
    expect(counted.rows).toEqual(grouped.rows);
    expect(new Set(grouped.rows.map((r) => (r as { node: string }).node))).toEqual(new Set(['node-a', 'node-b']));

    // A range with ragged ends reads counters for whole minutes and rows for the edges: the same as reading every row.
    const now = Date.now();
    const range = { from: now - 3 * DAY - 12_345, to: now + 60_000 + 6_789 };
    const byKey = (list: Array<{ event_type: string; status: string; user_role: string; count: number }>) =>
      Object.fromEntries(list.filter((c) => c.count !== 0).map((c) => [`${c.event_type}/${c.status}/${c.user_role}`, c.count]));
    expect(byKey(await b.storage.aggregate(range))).toEqual(byKey(await b.storage.rowCombos({ from: range.from, to: range.to - 1 })));
    expect(byKey(await b.storage.aggregate(range))).toMatchObject({ 'ambulance_request/success/patient': 1, 'ambulance_request/pending/patient': 599, 'device_data/success/device': 2400 });
    const series = await a.storage.timeSeries({ from: now - 3_600_000, to: now + 60_000 }, 3_600_000);
    expect(series.reduce((n, s) => n + s.total, 0)).toBe(3000);
  });

  it('records reads in the access log, chained in the reading node\'s chain, and verifies every chain', async () => {
    const { id } = await a.writer.recordAccess({ actor: 'auditor-1', actorRole: 'auditor', channel: 'console', query: 'list', params: { user_id: 'dev-3' }, rowCount: 5 });
    const { rows, total } = await b.storage.accessLog({ actor: 'auditor-1', limit: 10, offset: 0 });
    expect(total).toBe(1);
    expect(rows[0]).toMatchObject({ id, actor: 'auditor-1', actor_role: 'auditor', channel: 'console', query: 'list', params: { user_id: 'dev-3' }, row_count: 5 });
    expect(await writeCheckpoint(pg, keys.mac, 'node-a')).not.toBeNull();
    const report = await a.storage.verify();
    expect(report, report.problems.join('; ')).toMatchObject({ ok: true, checked: { rows: 3000, updates: 1, access: 1 }, first_bad: null });
    // Someone edits the access record: the chain names it.
    await server.query("UPDATE socket_log_access SET actor = 'someone-else' WHERE id = $1", [id]);
    const tampered = await verifyPostgresLog(pg, keys.mac);
    expect(tampered.firstBad).toMatchObject({ reason: 'access record does not match its MAC (edited)' });
    await server.query("UPDATE socket_log_access SET actor = 'auditor-1' WHERE id = $1", [id]);
  });

  it('exports with COPY into the signed format `switchboard verify --export` checks, the same lines as the rows read', async () => {
    for (const format of ['ndjson', 'csv'] as const) {
      const outFile = path.join(a.dataDir, `export.${format}`);
      const result = await a.storage.exportTo({ format, filter: { eventTypes: ['ambulance_request'] }, outFile, createdBy: 'auditor-1' });
      expect(result.rows).toBe(600);
      const check = await verifyExportFile(outFile, keys.verifying);
      expect(check, check.problems.join('; ')).toMatchObject({ ok: true, rows: 600 });
      if (format === 'ndjson') {
        const lines = fs.readFileSync(outFile, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
        const updated = lines.find((l) => l.status === 'success');
        expect(updated).toMatchObject({ hospital_name: 'North', response_time_ms: 1200, processed: true, version: 1 });
        const [row] = await a.storage.listRows({ eventTypes: ['ambulance_request'] }, { limit: 1, offset: 599 });
        const { mac, ...exported } = lines[0]!;
        expect(exported).toEqual({ ...row });
        expect(mac).toMatch(/^[0-9a-f]{32}$/);
      }
      // One changed byte and the manifest no longer covers the file.
      fs.appendFileSync(outFile, ' ');
      expect((await verifyExportFile(outFile, keys.verifying)).ok).toBe(false);
    }
  });

  it('`switchboard verify --postgres-url` verifies every chain, and `verify --export` checks a cluster export with the cluster\'s public key', async () => {
    const env = { SWITCHBOARD_LOG_SECRET: LOG_SECRET };
    const run = await runCli(['verify', '--postgres-url', server.url], { env });
    expect(run.code, run.stdout + run.stderr).toBe(0);
    expect(run.stdout).toMatch(/^OK: 3000 rows, 1 updates and 1 access records in 2 node chains/);
    const outFile = path.join(b.dataDir, 'requests.ndjson');
    await b.storage.exportTo({ format: 'ndjson', filter: { userRoles: ['patient'] }, outFile, createdBy: 'auditor-2' });
    const pem = path.join(b.dataDir, 'cluster.pub');
    fs.writeFileSync(pem, keys.verifying.export({ type: 'spki', format: 'pem' }));
    const checked = await runCli(['verify', '--export', outFile, '--public-key', pem]);
    expect(checked.code, checked.stdout + checked.stderr).toBe(0);
    expect(checked.stdout).toMatch(/has 600 rows/);
  });
});

describe('ids in commit order when one node\'s commit is held up', () => {
  let server: TestPostgres;
  let pg: PgDatabase;
  let a: PgLogNode;
  let b: PgLogNode;

  beforeAll(async () => {
    server = await startPostgres();
    pg = openPostgres(server.url, { applicationName: 'test' });
    await migratePostgres(pg.db);
    a = await startPgLogNode(pg, 'node-a', keys);
    b = await startPgLogNode(pg, 'node-b', keys);
  });
  afterAll(async () => {
    await a?.close();
    await b?.close();
    await pg?.close();
    await server?.stop();
  });

  it('never lets a later batch commit a higher id while an earlier one is still committing (a cursor reader would skip it)', async () => {
    // Hold node A's chain head row: A's next batch takes its ids, then waits at its chain head, uncommitted.
    const holder = await pg.pool.connect();
    await holder.query('BEGIN');
    await holder.query('SELECT 1 FROM log_chains WHERE incarnation = $1 FOR UPDATE', [a.postgres.stats().incarnation]);
    const waiting = async () => (await server.query<{ n: number }>('SELECT count(*)::int AS n FROM pg_locks WHERE NOT granted')).rows[0]!.n;
    const ackA = a.writer.createSocketLog(device(1, 'held-a'));
    await waitFor('node A\'s batch to wait at its chain head', async () => (await waiting()) >= 1);
    let bAcked = false;
    const ackB = b.writer.createSocketLog(device(2, 'free-b')).then((ack) => ((bAcked = true), ack));
    // B either commits (its id would then be above A's uncommitted one) or waits for A: the counter row orders them.
    await waitFor('node B\'s batch to commit or to wait behind A', async () => bAcked || (await waiting()) >= 2);
    const readAfter = async (cursor: number) => (await server.query<{ id: number }>('SELECT id::int FROM socket_logs WHERE id > $1 ORDER BY id', [cursor])).rows.map((r) => r.id);
    const firstRead = await readAfter(0);
    expect(bAcked).toBe(false);
    await holder.query('COMMIT');
    holder.release();
    const [idA, idB] = [(await ackA).id, (await ackB).id];
    expect(idA).toBeLessThan(idB);
    const cursor = firstRead.length > 0 ? firstRead[firstRead.length - 1]! : 0;
    expect([...firstRead, ...(await readAfter(cursor))]).toEqual([idA, idB]);
  });
});

describe('retention on PostgreSQL: archive, then detach and drop whole days', () => {
  let server: TestPostgres;
  let pg: PgDatabase;
  let node: PgLogNode;

  beforeAll(async () => {
    server = await startPostgres();
    pg = openPostgres(server.url, { applicationName: 'test' });
    await migratePostgres(pg.db);
    await ensureDailyPartitions(pg.db, Date.now() - 100 * DAY, 1);
  });
  afterAll(async () => {
    await node?.close();
    await pg?.close();
    await server?.stop();
  });

  it('drops the days past retention while a node keeps writing, and the chains still verify from their anchors', async () => {
    const today = Date.now();
    let clock = today - 100 * DAY;
    node = await startPgLogNode(pg, 'solo', keys, { now: () => clock });
    const { writer } = node;
    const old = await Promise.all(Array.from({ length: 40 }, (_, n) => writer.createSocketLog(device(n, 'old'))));
    await writer.updateSocketLog(old[0]!.id, { status: 'success', responseTimeMs: 500 });
    clock = today;
    await Promise.all(Array.from({ length: 25 }, (_, n) => writer.createSocketLog(device(1000 + n, 'new'))));
    await writer.updateSocketLog(old[5]!.id, { status: 'failed', errorMessage: 'a late update to an old row' });
    expect(await writeCheckpoint(pg, keys.mac, 'solo')).not.toBeNull();
    const partitions = async () => (await server.query<{ n: number }>("SELECT count(*)::int AS n FROM pg_inherits WHERE inhparent = 'socket_logs'::regclass")).rows[0]!.n;
    const before = await partitions();

    // A node keeps writing while retention runs.
    let writes = 0;
    let stop = false;
    const traffic = (async () => {
      while (!stop) {
        await writer.createSocketLog(device(5000 + writes, 'during'));
        writes += 1;
      }
    })();
    await waitFor('some writes before retention', async () => writes > 5);
    const result = await node.storage.cleanup(90);
    stop = true;
    await traffic;

    expect(result).toMatchObject({ deleted: 40, deletedUpdates: 1 });
    expect(await partitions()).toBe(before - 3); // the day of the old rows and the ones around it
    const check = await verifyExportFile(result.archive!, keys.verifying);
    expect(check, check.problems.join('; ')).toMatchObject({ ok: true, rows: 40 });
    expect(await node.storage.countRows({}, 100_000)).toEqual({ total: 25 + writes, capped: false });
    const report = await node.storage.verify();
    expect(report, report.problems.join('; ')).toMatchObject({ ok: true, checked: { rows: 25 + writes, updates: 1 } });
    // Counters lost exactly what left.
    const combos = await node.storage.aggregate({ from: 0, to: Date.now() + DAY });
    expect(combos.reduce((n, c) => n + c.count, 0)).toBe(25 + writes);
    // A second run has nothing to do; someone moving the anchor without the key is caught.
    expect((await node.storage.cleanup(90)).deleted).toBe(0);
    await server.query('UPDATE log_anchors SET seq = seq - 1');
    expect((await verifyPostgresLog(pg, keys.mac)).firstBad).toMatchObject({ reason: 'the retention anchor does not verify (moved)' });
  });
});
