import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { CLUSTER_JWT_SECRET, startTestCluster, type TestCluster } from '../../helpers/cluster';
import { agreedCadHolder, countersAgainstRows, describeExactlyOnce, devicesPerNode, exactlyOnceInPostgres, NOTHING_LOST_OR_DOUBLED, quantile, verifyPostgresLog } from '../../helpers/clusterChecks';
import { startIdLoad, type FailoverTimes, type IdLoad } from '../../helpers/reliability/idLoad';
import { signToken } from '../../helpers/reliability/tokens';
import { closeCrews, connectCrews, killNodeUnderCrews, type Crew } from '../../helpers/roomCrews';
import { waitFor } from '../../helpers/waitFor';

/** Demo-level device load (issue #18): 24 devices x 40 events/s, every event with its own id. */
const DEVICES = 24;
const RATE_PER_DEVICE = 40;
const CREWS = 9;
/** The issue's limit for the CAD link to be back on another node after its holder dies. */
const CAD_LINK_FAILOVER_LIMIT_MS = 15_000;

let cluster: TestCluster;
let crews: Crew[] = [];
beforeAll(async () => {
  cluster = await startTestCluster({ nodes: 3, cad: true });
});
afterAll(async () => {
  closeCrews(crews);
  await cluster?.stop();
});

const loads: IdLoad[] = [];
afterEach(async () => {
  // A round that failed midway must not leave its devices sending into the next one.
  for (const load of loads.splice(0)) {
    await load.stop();
    load.close();
  }
});

const startLoad = async (tag: string) => {
  const load = await startIdLoad({ url: cluster.balancer.url, secret: CLUSTER_JWT_SECRET, clients: DEVICES, ratePerClient: RATE_PER_DEVICE, tag, reconnect: true, retryRefused: true });
  loads.push(load);
  return load;
};

/**
 * The end of a round: devices stop making events, resend through the balancer
 * whatever still has no answer (same event ids), and the log is checked:
 * exactly once in PostgreSQL, counters equal to the rows, `switchboard verify`.
 */
async function closeRound(load: IdLoad, tag: string, failover: FailoverTimes, timedClients: number[]) {
  await load.stop();
  const unansweredDuringRound = load.unanswered;
  await load.resendOutstanding(cluster.balancer.url, 180_000);
  load.close();
  const log = await exactlyOnceInPostgres(cluster, load.acked, tag);
  const counters = await countersAgainstRows(cluster);
  const verify = await verifyPostgresLog(cluster);
  const times = timedClients.map((k) => failover.byClient.get(k)).filter((t): t is number => t !== undefined);
  const figures =
    `${load.acked.size} acked, ${unansweredDuringRound} sends unanswered, ${load.duplicates} resends answered as duplicates, retryable answers (resent after a back-off): ${[...load.retryable].map(([code, n]) => `${code} ${n}`).join(', ') || 'none'}; ` +
    `in PostgreSQL: ${describeExactlyOnce(log)}; counters vs GROUP BY: ${counters.differing.length} of ${counters.cells} cells differ; ` +
    `failover per device (${times.length} devices): p50 ${Math.round(quantile(times, 0.5))} ms, p99 ${Math.round(quantile(times, 0.99))} ms; verify: ${verify.stdout.trim() || verify.stderr.trim()}`;
  return { log, counters, verify, figures };
}

function expectCleanRound(load: IdLoad, round: Awaited<ReturnType<typeof closeRound>>): void {
  expect(load.outstanding()).toEqual([]);
  expect(load.refused.size).toBe(0);
  expect(load.conflicting).toEqual([]);
  expect(round.log).toEqual(NOTHING_LOST_OR_DOUBLED);
  expect(round.counters.differing).toEqual([]);
  expect(round.verify.code).toBe(0);
  expect(round.verify.stdout).toMatch(/^OK: /);
}

describe(`cluster failover under load: 3 nodes behind HAProxy, the CAD simulator, ${DEVICES} devices x ${RATE_PER_DEVICE} events/s`, () => {
  it('round 1: kill -9 of the node holding the most devices loses no acked event, and its Socket.IO clients recover every room message', async () => {
    const admin = await signToken(CLUSTER_JWT_SECRET, { sub: 'ops', role: 'admin' });
    const load = await startLoad('k1');
    crews = await connectCrews(cluster.balancer.url, CLUSTER_JWT_SECRET, CREWS, 'K1');
    const spread = await waitFor('devices on all 3 nodes and 1000 acked events', async () => {
      if (load.acked.size < 1000) return false;
      const perNode = await devicesPerNode(cluster, 'k1-dev-');
      return perNode && perNode.size === 3 && [...perNode.values()].every((n) => n > 0) && perNode;
    });
    let failover: () => FailoverTimes = () => ({ byClient: new Map(), waiting: [] });
    const crewOutcome = await killNodeUnderCrews(cluster, crews, admin, {
      victim: () => [...spread].sort((a, b) => b[1] - a[1])[0]![0],
      beforeKill: () => (failover = load.markFailover()),
      // Every device, the killed node's included, is acknowledged again before the round ends.
      // A starved machine sheds load at capacity for a while after the kill: generous, and it says who is still waiting.
      afterReconnect: () => waitFor(`every device acknowledged again after the kill (still waiting: ${failover().waiting.join(', ')})`, () => failover().waiting.length === 0, 180_000).then(() => undefined)
    });
    const times = failover();
    const round = await closeRound(load, 'k1', times, [...load.droppedClients]);

    console.log(
      `cluster failover round 1 (kill -9 ${crewOutcome.victimName}; devices ${[...spread].map(([n, c]) => `${n} ${c}`).join(', ')}; ${load.droppedClients.size} devices dropped): ${round.figures}\n` +
        `  socket.io crews: ${crewOutcome.summary}`
    );
    expect(load.droppedClients.size).toBeGreaterThan(0);
    expectCleanRound(load, round);
    expect(crewOutcome.onVictim.length).toBeGreaterThan(0);
    expect(crewOutcome.onVictim.filter((c) => !c.recovered)).toEqual([]);
    expect(crewOutcome.gaps).toEqual({ missing: 0, duplicated: 0, outOfOrder: 0 });
  });

  it('round 2: kill -9 of the CAD lease holder under load: the CAD link is back on another node within 15 s and no acked event is lost', async () => {
    const admin = await signToken(CLUSTER_JWT_SECRET, { sub: 'ops', role: 'admin' });
    const holder = await waitFor('the live nodes to agree on one CAD link holder', () => agreedCadHolder(cluster, admin));
    const load = await startLoad('l2');
    await waitFor('1000 acked events before the lease holder is killed', () => load.acked.size >= 1000);
    const failover = load.markFailover();
    const killedAt = performance.now();
    await cluster.nodes.get(holder)!.kill9();
    const next = await waitFor('another node to hold the CAD link, every live node agreeing', async () => {
      const now = await agreedCadHolder(cluster, admin);
      return now && now !== holder ? now : null;
    });
    const linkBackMs = Math.round(performance.now() - killedAt);
    await waitFor(`every device acknowledged again after the kill (still waiting: ${failover().waiting.join(', ')})`, () => failover().waiting.length === 0, 180_000);
    const round = await closeRound(load, 'l2', failover(), [...load.droppedClients]);

    console.log(`cluster failover round 2 (kill -9 ${holder}, the CAD link holder): link back on ${next} after ${linkBackMs} ms; ${round.figures}`);
    expect(linkBackMs).toBeLessThan(CAD_LINK_FAILOVER_LIMIT_MS);
    expectCleanRound(load, round);
  });

  it('round 3: a Redis restart under load loses no acked event (the log is in PostgreSQL)', async () => {
    const upBefore = [...cluster.nodes.values()].filter((n) => n.child.exitCode === null && n.child.signalCode === null).length;
    const load = await startLoad('r3');
    await waitFor('1000 acked events before Redis restarts', () => load.acked.size >= 1000);
    const failover = load.markFailover();
    await cluster.redis.restart();
    await waitFor('every device acknowledged again after Redis came back', () => failover().waiting.length === 0);
    const from = load.acked.size;
    await waitFor('1000 more acked events after Redis came back', () => load.acked.size >= from + 1000);
    const round = await closeRound(load, 'r3', failover(), Array.from({ length: DEVICES }, (_, k) => k));
    const alive = [...cluster.nodes.values()].filter((n) => n.child.exitCode === null && n.child.signalCode === null).length;

    console.log(`cluster failover round 3 (Redis restarted, ${alive} nodes up, ${load.droppedClients.size} devices dropped): ${round.figures}`);
    expectCleanRound(load, round);
    // Losing Redis costs live fan-out for the restart, never a node.
    expect(alive).toBe(upBefore);
  });
});
