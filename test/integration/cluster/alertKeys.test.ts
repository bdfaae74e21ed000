import { io as connect, type Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Migrator } from 'kysely';
import { CONSOLE_NAMESPACE } from '../../../src/shared/contract';
import { openPostgres } from '../../../src/main/core/log/storage/postgres/pgDatabase';
import { migratePostgres, PG_MIGRATIONS } from '../../../src/main/core/log/storage/postgres/pgMigrations';
import { startPostgres } from '../../helpers/engines';
import type { RaiseAlert } from '../../../src/main/core/alerts/alertCenter';
import type { TestCore } from '../../helpers/core';
import { waitFor } from '../../helpers/waitFor';
import { startInProcessNode, startSharedEngines, type SharedEngines } from './inProcessNodes';

const ROUNDS = 15;
const KEYS_PER_ROUND = 8;

const drill = (key: string, node: string): RaiseAlert => ({ key, kind: 'system', severity: 'warning', title: 'Drill', message: `Seen by ${node}.`, source: node });

describe('one open alert per condition key across the cluster, though two nodes raise it at the same moment', () => {
  let engines: SharedEngines;
  let a: TestCore;
  let b: TestCore;

  beforeAll(async () => {
    engines = await startSharedEngines();
    a = await startInProcessNode(engines, 'node-a');
    b = await startInProcessNode(engines, 'node-b');
  });
  const sockets: Socket[] = [];
  afterAll(async () => {
    sockets.forEach((s) => s.close());
    await a?.close();
    await b?.close();
    await engines?.stop();
  });

  const openRows = (prefix: string) =>
    engines.pg.query<{ key: string; id: string }>('SELECT key, id FROM alerts WHERE cleared_at IS NULL AND key LIKE $1 ORDER BY key', [`${prefix}%`]);

  it('raising the same keys on both nodes at once, round after round, leaves exactly one open alert per key, the same on both nodes', async () => {
    const keys: string[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      const batch = Array.from({ length: KEYS_PER_ROUND }, (_, i) => `race:${round}:${i}`);
      keys.push(...batch);
      // Both nodes raise every key of the round before either has written or heard anything, then both write at once.
      await Promise.all(
        [a, b].map(async (node, n) => {
          for (const key of n ? [...batch].reverse() : batch) node.core.alerts.raise(drill(key, `node-${n}`));
          await node.core.alerts.flush();
        })
      );
    }
    await waitFor('both nodes to agree on the one open alert of every key', () => keys.every((key) => a.core.alerts.openFor(key) && a.core.alerts.openFor(key)?.id === b.core.alerts.openFor(key)?.id));

    const open = await openRows('race:');
    expect(open.rows).toHaveLength(keys.length);
    expect(new Set(open.rows.map((r) => r.key)).size).toBe(keys.length);
    for (const row of open.rows) expect(a.core.alerts.openFor(row.key)!.id).toBe(row.id);
    // Each key's second alert was resolved as the same condition as the first; consoles list one open alert per key.
    for (const node of [a, b]) expect(node.core.alerts.list().filter((x) => x.key.startsWith('race:'))).toHaveLength(keys.length);
    await waitFor('every duplicate to be stored resolved', async () => {
      for (const node of [a, b]) await node.core.alerts.flush();
      const resolved = await engines.pg.query<{ n: number }>("SELECT count(*)::int AS n FROM alerts WHERE cleared_at IS NOT NULL AND key LIKE 'race:%'");
      return resolved.rows[0]!.n === keys.length;
    });
    const duplicate = await engines.pg.query<{ body: string }>("SELECT body FROM alerts WHERE cleared_at IS NOT NULL AND key = 'race:0:0'");
    const kept = a.core.alerts.openFor('race:0:0')!;
    expect(JSON.parse(duplicate.rows[0]!.body)).toMatchObject({ receipts: expect.arrayContaining([{ step: 'cleared', by: `cluster: same condition as alert ${kept.id}`, at: expect.any(String) }]) });
  });

  it('an acknowledgement given to the duplicate before the nodes noticed is kept on the one open alert', async () => {
    const key = 'race:acknowledged';
    const first = a.core.alerts.raise(drill(key, 'node-a'));
    await a.core.alerts.flush();
    // Node B has not heard of A's alert: it raises its own, and a dispatcher on B acknowledges that one at once.
    const second = b.core.alerts.raise(drill(key, 'node-b'));
    b.core.alerts.acknowledge(second.id, 'dana');
    await b.core.alerts.flush();

    expect(b.core.alerts.openFor(key)?.id).toBe(first.id);
    expect(b.core.alerts.get(second.id)?.cleared_at).not.toBeNull();
    await waitFor('node A to see the acknowledgement given on B', () => a.core.alerts.get(first.id)?.acknowledged_by === 'dana');
    const open = await openRows(key);
    expect(open.rows.map((r) => r.id)).toEqual([first.id]);
    const stored = await engines.pg.query<{ acknowledged_at: string | null }>('SELECT acknowledged_at FROM alerts WHERE id = $1', [first.id]);
    expect(stored.rows[0]!.acknowledged_at).not.toBeNull();
  });

  it('a console on node B hears of the alert raised on node A and of its duplicate folded away, though node A has no console', async () => {
    await a.core.operators.add('dana', 'dispatcher password', 'dispatcher');
    const socket = connect(`${b.core.url}${CONSOLE_NAMESPACE}`, { transports: ['websocket'] });
    sockets.push(socket);
    const events: Array<{ name: string; alert: { id: string; key: string; cleared_at: string | null } }> = [];
    socket.on('event', (name: string, alert: { id: string; key: string; cleared_at: string | null }) => events.push({ name, alert }));
    const signIn = await new Promise<{ ok: boolean }>((resolve) => socket.emit('call', 'auth.signIn', { username: 'dana', password: 'dispatcher password' }, resolve));
    expect(signIn.ok).toBe(true);

    const key = 'race:heard';
    const raised = a.core.alerts.raise(drill(key, 'node-a'));
    const second = b.core.alerts.raise(drill(key, 'node-b'));
    await Promise.all([a.core.alerts.flush(), b.core.alerts.flush()]);
    await waitFor('the console on B to be told of the alert raised on A', () => events.some((e) => e.name === 'alert.raised' && e.alert.id === raised.id));
    const kept = a.core.alerts.openFor(key)!.id;
    const duplicate = kept === raised.id ? second.id : raised.id;
    await waitFor('the console on B to see the duplicate resolved', () => events.some((e) => e.alert.id === duplicate && e.alert.cleared_at !== null));
  });
});

describe('migration 006 on a cluster that already has two open alerts for one key', () => {
  it('resolves all but the first raised, in the row and in the body nodes load, and then refuses a second open alert', async () => {
    const server = await startPostgres();
    const pg = openPostgres(server.url, { max: 1 });
    try {
      const migrator = new Migrator({ db: pg.db, provider: { getMigrations: async () => PG_MIGRATIONS } });
      expect((await migrator.migrateTo('005_log_storage')).error).toBeUndefined();
      const body = (id: string, raisedAt: string) => JSON.stringify({ id, key: 'vitals:P1', raised_at: raisedAt, updated_at: raisedAt, cleared_at: null });
      for (const [id, at] of [['first', '2026-01-01T10:00:00.000Z'], ['second', '2026-01-01T10:00:03.000Z'], ['third', '2026-01-01T10:00:05.000Z']] as const) {
        await server.query('INSERT INTO alerts (id, key, raised_at, body) VALUES ($1, $2, $3, $4)', [id, 'vitals:P1', at, body(id, at)]);
      }
      expect(await migratePostgres(pg.db)).toContain('006_centre_settings');
      const rows = await server.query<{ id: string; cleared_at: string | null; body: string }>('SELECT id, cleared_at, body FROM alerts ORDER BY raised_at');
      expect(rows.rows.map((r) => [r.id, r.cleared_at === null, (JSON.parse(r.body) as { cleared_at: string | null }).cleared_at === null])).toEqual([
        ['first', true, true],
        ['second', false, false],
        ['third', false, false]
      ]);
      await expect(server.query("INSERT INTO alerts (id, key, raised_at, body) VALUES ('fourth', 'vitals:P1', '2026-01-01T10:01:00.000Z', '{}')")).rejects.toThrow(/alerts_one_open_per_key/);
    } finally {
      await pg.close();
      await server.stop();
    }
  });
});
