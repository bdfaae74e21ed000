import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CadSimulator } from '../../../src/main/cadsim/cadSimulator';
import type { UnitStatus } from '../../../src/shared/cad';
import { openPostgres } from '../../../src/main/core/log/storage/postgres/pgDatabase';
import { migratePostgres } from '../../../src/main/core/log/storage/postgres/pgMigrations';
import { CLUSTER_JWT_SECRET, CLUSTER_LOG_SECRET } from '../../helpers/cluster';
import { startTestCore, tempDir, type TestCore } from '../../helpers/core';
import { startPostgres, startRedis, type TestPostgres, type TestRedis } from '../../helpers/engines';
import { waitFor } from '../../helpers/waitFor';
import { CAD_TOKEN, FAST_BRIDGE, startSim } from '../bridge/harness';

const LEASE = { leaseTtlMs: 1_500, leaseRenewMs: 300 };
const STATUSES: UnitStatus[] = ['available', 'out_of_service'];

const byId = <T extends { id: string }>(list: T[]) => JSON.stringify([...list].sort((a, b) => a.id.localeCompare(b.id)));
const pictureOf = (core: TestCore) => byId(core.core.services.dispatch.units()) + byId(core.core.services.dispatch.incidents());
const simPicture = (sim: CadSimulator) => byId([...sim.state.units.values()]) + byId([...sim.state.incidents.values()]);

describe('the CAD link in cluster mode: one holder at a time, every node the same picture', () => {
  let pg: TestPostgres;
  let redis: TestRedis;
  let sim: CadSimulator;
  const nodes = new Map<string, TestCore>();

  const startNode = async (name: string) => {
    const core = await startTestCore({
      logLevel: 'silent',
      dataDir: tempDir(`switchboard-${name}-`),
      jwtSecret: CLUSTER_JWT_SECRET,
      cad: { url: sim.url, token: CAD_TOKEN },
      bridge: { ...FAST_BRIDGE, ...LEASE },
      cluster: { enabled: true, postgresUrl: pg.url, redisUrl: redis.url, nodeName: name, logSecret: CLUSTER_LOG_SECRET }
    });
    nodes.set(name, core);
    return core;
  };
  const health = (name: string) => nodes.get(name)!.core.services.bridge.health();
  /** The node every live node names as the link holder, once they agree and its link is up. */
  const agreedHolder = () => {
    const named = new Set([...nodes.keys()].map((n) => health(n).cluster?.link_holder ?? null));
    const [holder] = [...named];
    return named.size === 1 && holder && nodes.has(holder) && [...nodes.keys()].every((n) => health(n).bridge.connected) ? holder : null;
  };

  beforeAll(async () => {
    [pg, redis] = await Promise.all([startPostgres(), startRedis()]);
    const db = openPostgres(pg.url, { max: 1 });
    await migratePostgres(db.db);
    await db.close();
    sim = await startSim({ tickMs: 100, incidentsPerMinute: 120 });
  });
  afterAll(async () => {
    for (const core of nodes.values()) await core.close();
    await sim?.close();
    await redis?.stop();
    await pg?.stop();
  });

  it('runs the link on one node only, and every node shows the CAD\'s picture and names the holder', async () => {
    await Promise.all([startNode('cad-a'), startNode('cad-b'), startNode('cad-c')]);
    const holder = await waitFor('all three nodes to name one holder whose link is up', agreedHolder);
    expect(sim.connections()).toBe(1);
    const leaseEpoch = health(holder).cluster!.lease_epoch;
    for (const name of nodes.keys()) expect(health(name).cluster).toEqual({ node: name, link_holder: holder, lease_epoch: leaseEpoch });

    // The CAD keeps moving units and taking calls; stop its clock and every node catches up to the same picture.
    await waitFor('CAD events to reach the followers', () => [...nodes.values()].every((c) => c.core.services.dispatch.incidents().length > 0));
    sim.setRunning(false);
    await waitFor('every node\'s picture to equal the CAD\'s', () => [...nodes.values()].every((c) => pictureOf(c) === simPicture(sim)));
    sim.setRunning(true);
  });

  it('delivers what any node\'s console queues once, in queue order, through the holder alone', async () => {
    const names = [...nodes.keys()];
    const keys: string[] = [];
    // Each node's console queues in turn; the outbox is PostgreSQL's, ids in commit order.
    for (let i = 0; i < 60; i += 1) {
      const key = `cluster-status-${i.toString().padStart(3, '0')}`;
      const node = nodes.get(names[i % names.length]!)!;
      const receipt = await node.core.services.bridge.send('unit:status:update', { unit_id: `U-00${(i % 8) + 1}`, status: STATUSES[i % 2]! }, { idempotencyKey: key });
      expect(receipt.duplicate).toBe(false);
      keys.push(key);
    }
    await waitFor('the CAD to receive all 60 messages', () => keys.every((k) => sim.state.processedKeys.has(k)));
    const received = sim.state.received.map((r) => r.idempotency_key).filter((k) => k.startsWith('cluster-status-'));
    expect(received).toEqual(keys);
    await waitFor('every node to show an empty outbox', () => names.every((n) => health(n).bridge.outbox.pending === 0));
    const rows = await pg.query<{ status: string; n: number }>("SELECT status, count(*)::int AS n FROM cad_outbox WHERE idempotency_key LIKE 'cluster-status-%' GROUP BY status");
    expect(rows.rows).toEqual([{ status: 'delivered', n: 60 }]);
  });

  it('hands the link to a standby when the holder stops, and the new holder delivers what was queued meanwhile', async () => {
    const old = agreedHolder()!;
    const oldEpoch = health(old).cluster!.lease_epoch!;
    const stopping = nodes.get(old)!;
    nodes.delete(old);
    const stoppedAt = performance.now();
    await stopping.close();
    // Queued while no node holds the link: waits in PostgreSQL.
    const [survivor] = [...nodes.keys()];
    const keys = ['handover-1', 'handover-2', 'handover-3'];
    for (const key of keys) await nodes.get(survivor!)!.core.services.bridge.send('unit:status:update', { unit_id: 'U-002', status: 'available' }, { idempotencyKey: key });
    const holder = await waitFor('the surviving nodes to agree on a new holder with its link up', agreedHolder);
    const takeoverMs = Math.round(performance.now() - stoppedAt);
    expect(holder).not.toBe(old);
    expect(health(holder).cluster!.lease_epoch).toBeGreaterThan(oldEpoch);
    await waitFor('the CAD to receive the handover messages', () => keys.every((k) => sim.state.processedKeys.has(k)));
    expect(sim.state.received.map((r) => r.idempotency_key).filter((k) => k.startsWith('handover-'))).toEqual(keys);
    sim.setRunning(false);
    await waitFor('both remaining nodes\' pictures to equal the CAD\'s', () => [...nodes.values()].every((c) => pictureOf(c) === simPicture(sim)));
    console.log(`[cluster cad] link moved from ${old} to ${holder} in ${takeoverMs} ms after a clean stop (lease epoch ${oldEpoch} -> ${health(holder).cluster!.lease_epoch})`);
  });
});
