import os from 'node:os';
import { afterAll, describe, expect, it } from 'vitest';
import { createCadSimulator, type CadSimulator } from '../../../src/main/cadsim/cadSimulator';
import { CLUSTER_JWT_SECRET, startTestCluster, type TestCluster } from '../../helpers/cluster';
import { agreedCadHolder, cadHealthOf } from '../../helpers/clusterChecks';
import { signToken } from '../../helpers/reliability/tokens';
import { waitFor } from '../../helpers/waitFor';

const CAD_TOKEN = 'cluster-cad-token-5e2b7d90c4a1';
/** Consoles queueing at once through the balancer, each its own sequence of keys. */
const SENDERS = 3;
const FAILOVER_LIMIT_MS = 15_000;

let cluster: TestCluster | undefined;
let sim: CadSimulator | undefined;
afterAll(async () => {
  await cluster?.stop();
  await sim?.close();
});

const alive = (c: TestCluster) => [...c.nodes].filter(([, n]) => n.child.exitCode === null && n.child.signalCode === null);

describe('CAD link failover: three nodes behind HAProxy, the CAD simulator, and the link holder gets kill -9', () => {
  it('moves the link to another node within 15 s and delivers every queued message once, in order; every node shows the same picture', async () => {
    sim = await createCadSimulator({ token: CAD_TOKEN, tickMs: 200, units: 12, incidentsPerMinute: 60 });
    cluster = await startTestCluster({ nodes: 3, env: { SWITCHBOARD_CAD_URL: sim.url, SWITCHBOARD_CAD_TOKEN: CAD_TOKEN }, startTimeoutMs: 240_000 });
    const admin = await signToken(CLUSTER_JWT_SECRET, { sub: 'cad-ops', role: 'admin' });
    const healthOf = (url: string) => cadHealthOf(url, admin);
    const agreedHolder = () => agreedCadHolder(cluster!, admin);
    const first = await waitFor('the three nodes to agree on one CAD link holder', agreedHolder);

    // Dispatchers' consoles queue status changes through the balancer, each request retried
    // with its key until answered (a console whose node died resends through another).
    const dispatcher = await signToken(CLUSTER_JWT_SECRET, { sub: 'dana', role: 'dispatcher' });
    const accepted: string[][] = Array.from({ length: SENDERS }, () => []);
    let sending = true;
    let retries = 0;
    const sender = async (s: number) => {
      for (let n = 0; sending; n += 1) {
        const key = `fo-${s}-${n.toString().padStart(5, '0')}`;
        for (;;) {
          const res = await fetch(`${cluster!.balancer.url}/api/socket-bridge/units/status`, {
            method: 'POST',
            headers: { authorization: `Bearer ${dispatcher}`, 'content-type': 'application/json' },
            body: JSON.stringify({ unit_id: `U-00${(n % 9) + 1}`, status: n % 2 ? 'available' : 'out_of_service', idempotency_key: key })
          }).catch(() => null);
          if (res?.status === 202) break;
          retries += 1;
          if (res) await res.text();
        }
        accepted[s]!.push(key);
      }
    };
    const senders = Array.from({ length: SENDERS }, (_, s) => sender(s));
    const total = () => accepted.reduce((sum, a) => sum + a.length, 0);
    await waitFor('150 queued messages before the kill', () => total() >= 150 && sim!.state.received.length >= 100);

    const victim = cluster.nodes.get(first)!;
    const queuedBeforeKill = total();
    const killedAt = performance.now();
    await victim.kill9();
    const second = await waitFor('another node to hold the CAD link, with every live node agreeing', async () => {
      const h = await agreedHolder();
      return h && h !== first ? h : null;
    });
    const failoverMs = Math.round(performance.now() - killedAt);
    await waitFor('150 more messages queued after the failover', () => total() >= queuedBeforeKill + 150);
    sending = false;
    await Promise.all(senders);

    const keys = accepted.flat();
    await waitFor(`the CAD to have all ${keys.length} queued messages`, () => keys.every((k) => sim!.state.processedKeys.has(k)));
    const received = sim.state.received.map((r) => r.idempotency_key).filter((k) => k.startsWith('fo-'));
    const outboxOrder = (await cluster.pg.query<{ idempotency_key: string }>("SELECT idempotency_key FROM cad_outbox WHERE idempotency_key LIKE 'fo-%' ORDER BY id")).rows.map((r) => r.idempotency_key);
    // The holder writes each outcome after the CAD's ack: wait for the last ones to be settled.
    const settledQuery = "SELECT status, count(*)::int AS n FROM cad_outbox WHERE idempotency_key LIKE 'fo-%' GROUP BY status";
    await waitFor('every outbox message to be settled', async () => {
      const rows = (await cluster!.pg.query<{ status: string }>(settledQuery)).rows;
      return rows.every((r) => r.status !== 'pending');
    });
    const settled = await cluster.pg.query<{ status: string; n: number }>(settledQuery);

    // Stop the CAD's clock: every node's picture then settles on the CAD's.
    sim.setRunning(false);
    const picture = async (url: string) => {
      const res = await fetch(`${url}/api/socket-bridge/picture`, { headers: { authorization: `Bearer ${admin}` } });
      const snap = (await res.json()) as { units: Array<{ id: string }>; incidents: Array<{ id: string }> };
      const sorted = <T extends { id: string }>(l: T[]) => [...l].sort((a, b) => a.id.localeCompare(b.id));
      return JSON.stringify([sorted(snap.units), sorted(snap.incidents)]);
    };
    const cadPicture = () => JSON.stringify([[...sim!.state.units.values()].sort((a, b) => a.id.localeCompare(b.id)), [...sim!.state.incidents.values()].sort((a, b) => a.id.localeCompare(b.id))]);
    await waitFor('every live node\'s dispatch picture to equal the CAD\'s', async () => {
      const pictures = await Promise.all(alive(cluster!).map(([, n]) => picture(n.url)));
      return pictures.every((p) => p === cadPicture());
    });
    const healths = await Promise.all(alive(cluster).map(async ([name, n]) => [name, await healthOf(n.url)] as const));

    console.log(
      `cad failover (load ${os.loadavg().map((l) => l.toFixed(1)).join(' ')}): kill -9 of link holder ${first}; the link was back on ${second} after ${failoverMs} ms ` +
        `(limit ${FAILOVER_LIMIT_MS} ms); ${keys.length} messages queued by ${SENDERS} consoles through HAProxy (${queuedBeforeKill} before the kill, ${retries} requests retried), ` +
        `${received.length} received by the CAD, ${sim.state.duplicates} repeats the CAD de-duplicated; outbox: ${settled.rows.map((r) => `${r.n} ${r.status}`).join(', ')}; ` +
        `${healths.length} live nodes name ${second} as holder and show the CAD's picture`
    );
    expect(failoverMs).toBeLessThan(FAILOVER_LIMIT_MS);
    expect(new Set(received).size).toBe(received.length);
    expect([...received].sort()).toEqual([...keys].sort());
    expect(received).toEqual(outboxOrder); // in queue (outbox id) order
    for (const mine of accepted) expect(received.filter((k) => mine.includes(k))).toEqual(mine); // and each console's in its order
    expect(settled.rows).toEqual([{ status: 'delivered', n: keys.length }]);
    for (const [name, h] of healths) expect(h.cluster).toMatchObject({ node: name, link_holder: second });
  });
});
