import { io as connect } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openPostgres } from '../../../src/main/core/log/storage/postgres/pgDatabase';
import { migratePostgres } from '../../../src/main/core/log/storage/postgres/pgMigrations';
import { isStartupRefusal } from '../../../src/main/core/startupRefusal';
import { CLUSTER_JWT_SECRET, CLUSTER_LOG_SECRET } from '../../helpers/cluster';
import { startTestCore, tempDir, type TestCore } from '../../helpers/core';
import { startPostgres, startRedis, type TestPostgres, type TestRedis } from '../../helpers/engines';
import { signToken } from '../../helpers/reliability/tokens';
import { waitFor } from '../../helpers/waitFor';

describe('a cluster node (serve --cluster) on its own', () => {
  let pg: TestPostgres;
  let redis: TestRedis;
  const cores: TestCore[] = [];
  const clusterSettings = (nodeName: string) => ({ enabled: true, postgresUrl: pg.url, redisUrl: redis.url, nodeName, logSecret: CLUSTER_LOG_SECRET });

  beforeAll(async () => {
    [pg, redis] = await Promise.all([startPostgres(), startRedis()]);
  });
  afterAll(async () => {
    for (const c of cores) await c.close();
    await redis?.stop();
    await pg?.stop();
  });

  const refusalOf = async (overrides: Parameters<typeof startTestCore>[0]) => {
    try {
      const core = await startTestCore({ logLevel: 'silent', ...overrides });
      cores.push(core);
      return null;
    } catch (err) {
      if (!isStartupRefusal(err)) throw err;
      return { code: err.code, message: err.message };
    }
  };

  it('refuses to start, with a sentence, when a shared setting is missing or the schema was never migrated', async () => {
    expect(await refusalOf({ cluster: clusterSettings('n1') })).toMatchObject({ code: 'CONFIG_INVALID', message: expect.stringContaining('SWITCHBOARD_JWT_SECRET') });
    expect(await refusalOf({ jwtSecret: CLUSTER_JWT_SECRET, cluster: { ...clusterSettings('n1'), logSecret: undefined } })).toMatchObject({
      code: 'CONFIG_INVALID',
      message: expect.stringContaining('SWITCHBOARD_LOG_SECRET')
    });
    expect(await refusalOf({ jwtSecret: CLUSTER_JWT_SECRET, cluster: clusterSettings('n1') })).toMatchObject({
      code: 'CLUSTER_SCHEMA_BEHIND',
      message: expect.stringContaining('switchboard migrate')
    });
    expect(await refusalOf({ jwtSecret: CLUSTER_JWT_SECRET, cluster: { ...clusterSettings('n1'), postgresUrl: 'postgres://nobody:secretpw@127.0.0.1:1/none' } })).toMatchObject({
      code: 'CLUSTER_UNREACHABLE',
      message: expect.not.stringContaining('secretpw')
    });
  });

  it('writes a device\'s event to PostgreSQL before the ack, and lists itself in /api/v1/cluster', async () => {
    const db = openPostgres(pg.url, { max: 1 });
    await migratePostgres(db.db);
    await db.close();
    const core = await startTestCore({ logLevel: 'silent', dataDir: tempDir(), jwtSecret: CLUSTER_JWT_SECRET, cluster: clusterSettings('solo') });
    cores.push(core);

    const token = await signToken(CLUSTER_JWT_SECRET, { sub: 'mon-1', role: 'device', device_id: 'M1', device_type: 'monitor' });
    const socket = connect(core.core.url, { transports: ['websocket'], auth: { token } });
    try {
      await waitFor('the monitor connected', () => socket.connected);
      const ack = (await socket.timeout(30_000).emitWithAck('device_data', { event_id: 'M1:1', data_type: 'heart_rate', values: { bpm: 71 } })) as { ok: boolean; id: number };
      expect(ack.ok).toBe(true);
      const row = await pg.query<{ id: number; incarnation: string }>("SELECT id::int, incarnation FROM socket_logs WHERE client_event_id = 'M1:1'");
      expect(row.rows).toEqual([{ id: ack.id, incarnation: expect.stringMatching(/^solo\//) }]);
      const again = (await socket.timeout(30_000).emitWithAck('device_data', { event_id: 'M1:1', data_type: 'heart_rate', values: { bpm: 71 } })) as { ok: boolean; id: number; duplicate?: boolean };
      expect(again).toMatchObject({ ok: true, id: ack.id, duplicate: true });
    } finally {
      socket.close();
    }

    const admin = await signToken(CLUSTER_JWT_SECRET, { sub: 'ops', role: 'admin' });
    const res = await fetch(`${core.core.url}/api/v1/cluster`, { headers: { authorization: `Bearer ${admin}` } });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { node: string; nodes: Array<{ name: string; status: string }>; log: { inserted_rows: number } };
    expect(body.node).toBe('solo');
    expect(body.nodes).toContainEqual(expect.objectContaining({ name: 'solo', status: 'up' }));
    expect(body.log.inserted_rows).toBeGreaterThanOrEqual(1);
    expect(core.logText()).not.toContain(CLUSTER_LOG_SECRET);
  });
});
