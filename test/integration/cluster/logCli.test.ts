import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openPostgres, type PgDatabase } from '../../../src/main/core/log/storage/postgres/pgDatabase';
import { ensureDailyPartitions, migratePostgres } from '../../../src/main/core/log/storage/postgres/pgMigrations';
import { runCli } from '../../helpers/cli';
import { tempDir } from '../../helpers/core';
import { startPostgres, type TestPostgres } from '../../helpers/engines';
import { clusterKeys, startPgLogNode } from './pgLogNodes';

/**
 * An auditor exports a cluster's socket log from the command line, checks the
 * export against its signed manifest, and runs retention, all against the
 * cluster's PostgreSQL rather than a node's data directory.
 */
const LOG_SECRET = 'log-cli-test-secret-shared-by-every-node-0123456789abcdef';
const DAY = 86_400_000;
const entry = (n: number) => ({
  eventType: n % 4 === 0 ? 'ambulance_request' : 'device_data',
  socketId: `s-${n % 3}`,
  userId: `dev-${n % 3}`,
  userRole: 'device',
  eventData: { n },
  status: 'success' as const,
  processed: true
});

// Each test runs the CLI three to five times (a process with a TypeScript loader each): seconds apiece on a busy machine.
describe('switchboard export, verify --export and retention against a cluster', { timeout: 180_000 }, () => {
  let server: TestPostgres;
  let pg: PgDatabase;
  const env = () => ({ SWITCHBOARD_LOG_SECRET: LOG_SECRET });

  beforeAll(async () => {
    server = await startPostgres();
    pg = openPostgres(server.url, { max: 2 });
    await migratePostgres(pg.db);
    await ensureDailyPartitions(pg.db, Date.now() - 100 * DAY, 1);
    // A node wrote 12 rows 100 days ago and 30 today, then stopped.
    let clock = Date.now() - 100 * DAY;
    const node = await startPgLogNode(pg, 'node-a', clusterKeys(LOG_SECRET), { now: () => clock });
    await Promise.all(Array.from({ length: 12 }, (_, n) => node.writer.createSocketLog(entry(n))));
    clock = Date.now();
    await Promise.all(Array.from({ length: 30 }, (_, n) => node.writer.createSocketLog(entry(100 + n))));
    await node.close();
  });
  afterAll(async () => {
    await pg?.close();
    await server?.stop();
  });

  it('exports the cluster log with --postgres-url, and the export verifies against its manifest; an edited export does not', async () => {
    const dir = tempDir('switchboard-cluster-export-');
    const out = path.join(dir, 'all.ndjson');
    const exported = runCli(['export', '--format', 'ndjson', '--out', out, '--postgres-url', server.url, '--actor', 'auditor-ann', '--quiet'], { env: env() });
    expect(exported.code, exported.stderr).toBe(0);
    expect(exported.stdout).toMatch(/Exported 42 rows/);
    expect(fs.readFileSync(out, 'utf8').trim().split('\n')).toHaveLength(42);

    const verified = runCli(['verify', '--export', out, '--postgres-url', server.url], { env: env() });
    expect(verified.code, verified.stdout + verified.stderr).toBe(0);
    expect(verified.stdout).toMatch(/^OK: .* has 42 rows .*matches its signed manifest/);

    // The auditor without the secret: the cluster's public key, handed over once, is enough.
    const publicKey = runCli(['verify', '--print-public-key', '--postgres-url', server.url], { env: env() });
    expect(publicKey.stdout).toMatch(/BEGIN PUBLIC KEY/);
    const keyFile = path.join(dir, 'cluster.pub');
    fs.writeFileSync(keyFile, publicKey.stdout);
    expect(runCli(['verify', '--export', out, '--public-key', keyFile]).code).toBe(0);

    const lines = fs.readFileSync(out, 'utf8').split('\n');
    lines[3] = lines[3]!.replace('"device"', '"admin"');
    fs.writeFileSync(out, lines.join('\n'));
    const tampered = runCli(['verify', '--export', out, '--public-key', keyFile]);
    expect(tampered.code).toBe(1);
    expect(tampered.stdout).toMatch(/FAILED: .* does not match its manifest/);
  });

  it('takes the cluster from SWITCHBOARD_CLUSTER and SWITCHBOARD_POSTGRES_URL too, with the filters, and records each export in the access log', async () => {
    const out = path.join(tempDir('switchboard-cluster-export-'), 'requests.csv');
    const clusterEnv = { ...env(), SWITCHBOARD_CLUSTER: '1', SWITCHBOARD_POSTGRES_URL: server.url };
    const exported = runCli(['export', '--format', 'csv', '--out', out, '--event-type', 'ambulance_request', '--actor', 'auditor-ben', '--quiet'], { env: clusterEnv });
    expect(exported.code, exported.stderr).toBe(0);
    // Rows 0, 4, 8 of the old ones and 100, 104, ... 128 of today's.
    expect(exported.stdout).toMatch(/Exported 11 rows/);
    expect(runCli(['verify', '--export', out], { env: clusterEnv }).code).toBe(0);

    const access = await server.query<{ actor: string; query: string; row_count: number }>("SELECT actor, query, row_count::int FROM socket_log_access WHERE channel = 'cli' ORDER BY id");
    expect(access.rows).toEqual([
      { actor: 'auditor-ann', query: 'export', row_count: 42 },
      { actor: 'auditor-ben', query: 'export', row_count: 11 }
    ]);
    // The command's access records are chained and sealed like a node's: the whole log still verifies.
    const whole = runCli(['verify', '--postgres-url', server.url], { env: env() });
    expect(whole.code, whole.stdout + whole.stderr).toBe(0);
  });

  it('runs retention on the cluster: the old day is archived (a verifiable export) and dropped', async () => {
    const dataDir = tempDir('switchboard-cluster-retention-');
    const ran = runCli(['retention', '--days', '90', '--postgres-url', server.url, '--data-dir', dataDir, '--actor', 'auditor-ann'], { env: env() });
    expect(ran.code, ran.stderr).toBe(0);
    expect(ran.stdout).toMatch(/Archived and deleted 12 rows older than 90 days/);
    const archive = /Archive: (\S+)/.exec(ran.stdout)![1]!;
    expect(path.dirname(archive)).toBe(path.join(dataDir, 'archive'));
    expect(runCli(['verify', '--export', archive, '--postgres-url', server.url], { env: env() }).code).toBe(0);
    const left = await server.query<{ n: number }>('SELECT count(*)::int AS n FROM socket_logs');
    expect(left.rows[0]!.n).toBe(30);
    expect(runCli(['retention', '--days', '90', '--postgres-url', server.url, '--data-dir', dataDir], { env: env() }).stdout).toMatch(/Nothing older than 90 days/);
    expect(runCli(['verify', '--postgres-url', server.url], { env: env() }).code).toBe(0);
  });

  it('says what is missing, in a sentence, when the log secret is not given', () => {
    const refused = runCli(['export', '--format', 'csv', '--out', path.join(tempDir(), 'x.csv'), '--postgres-url', server.url], { env: { SWITCHBOARD_LOG_SECRET: '' } });
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toMatch(/SWITCHBOARD_LOG_SECRET/);
  });
});
