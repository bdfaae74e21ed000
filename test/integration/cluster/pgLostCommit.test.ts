import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openPostgres, type PgDatabase } from '../../../src/main/core/log/storage/postgres/pgDatabase';
import { ensureDailyPartitions, migratePostgres } from '../../../src/main/core/log/storage/postgres/pgMigrations';
import { verifyPostgresLog } from '../../../src/main/core/log/storage/postgres/pgVerify';
import { startPostgres, type TestPostgres } from '../../helpers/engines';
import { clusterKeys, startPgLogNode, type PgLogNode } from './pgLogNodes';

const keys = clusterKeys('lost-commit-test-secret-of-enough-length-0123456789');
const key = keys.mac;

/**
 * A TCP proxy in front of PostgreSQL that cuts one connection at its next COMMIT:
 * 'before' drops the COMMIT (the server never commits), 'after' lets the server
 * commit and drops its answer (the client cannot tell it committed).
 */
function startCommitCutter(targetPort: number) {
  let armed: 'before' | 'after' | null = null;
  let cuts = 0;
  const server = net.createServer((client) => {
    const upstream = net.connect(targetPort, '127.0.0.1');
    let cutOnAnswer = false;
    const cut = () => {
      cuts += 1;
      client.destroy();
      upstream.destroy();
    };
    client.on('data', (chunk: Buffer) => {
      if (armed && chunk[0] === 0x51 /* 'Q' */ && chunk.includes('COMMIT')) {
        const mode = armed;
        armed = null;
        if (mode === 'before') return cut();
        cutOnAnswer = true;
      }
      upstream.write(chunk);
    });
    upstream.on('data', (chunk: Buffer) => {
      if (cutOnAnswer) return cut();
      client.write(chunk);
    });
    client.on('error', () => upstream.destroy());
    upstream.on('error', () => client.destroy());
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
  });
  return {
    listen: () => new Promise<number>((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as net.AddressInfo).port))),
    arm: (mode: 'before' | 'after') => (armed = mode),
    cuts: () => cuts,
    close: () => new Promise<void>((resolve) => server.close(() => resolve()))
  };
}

describe('the PostgreSQL log when the connection drops during COMMIT (outcome unknown)', () => {
  let server: TestPostgres;
  let cutter: ReturnType<typeof startCommitCutter>;
  let pg: PgDatabase;
  let node: PgLogNode;

  beforeAll(async () => {
    server = await startPostgres();
    const direct = openPostgres(server.url, { max: 1 });
    await migratePostgres(direct.db);
    await ensureDailyPartitions(direct.db, Date.now());
    await direct.close();
    cutter = startCommitCutter(server.port);
    const port = await cutter.listen();
    pg = openPostgres(`postgres://postgres@127.0.0.1:${port}/postgres`, { max: 4 });
    node = await startPgLogNode(pg, 'cut', keys);
  });
  afterAll(async () => {
    await node?.close();
    await pg?.close();
    await cutter?.close();
    await server?.stop();
  });

  const event = (id: string) => node.writer.createSocketLog({ eventType: 'device_data', socketId: 's', userId: 'd1', userRole: 'device', status: 'success', clientEventId: id });
  const rowsOf = async (id: string) => (await server.query('SELECT id FROM socket_logs WHERE client_event_id = $1', [id])).rows.length;

  it('answers the events of a COMMIT that went through, after txid_status says so', async () => {
    cutter.arm('after');
    const ack = await event('after-1');
    expect(cutter.cuts()).toBe(1);
    expect(ack.duplicate).toBeUndefined();
    expect(await rowsOf('after-1')).toBe(1);
    expect(node.postgres.stats().outcomeChecks).toMatchObject({ committed: 1 });
  });

  it('answers "not recorded" when the COMMIT never arrived, and a resend with the same event id is recorded once', async () => {
    cutter.arm('before');
    await expect(event('before-1')).rejects.toMatchObject({ code: 'UNAVAILABLE' });
    expect(cutter.cuts()).toBe(2);
    expect(await rowsOf('before-1')).toBe(0);
    expect(node.postgres.stats().outcomeChecks).toMatchObject({ aborted: 1 });
    const again = await event('before-1');
    expect(again.duplicate).toBeUndefined();
    expect(await rowsOf('before-1')).toBe(1);
  });

  it('keeps the node\'s chain whole through both', async () => {
    const report = await verifyPostgresLog(pg, key);
    expect(report).toMatchObject({ ok: true, rows: 2, firstBad: null });
  });
});
