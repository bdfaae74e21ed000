import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../../helpers/cli';
import { CLUSTER_JWT_SECRET, CLUSTER_LOG_SECRET, startTestCluster, type TestCluster } from '../../helpers/cluster';
import { startIdLoad } from '../../helpers/reliability/idLoad';
import { signToken } from '../../helpers/reliability/tokens';
import { waitFor } from '../../helpers/waitFor';

const DEVICES = 12;
const RATE_PER_DEVICE = 20;

let cluster: TestCluster | undefined;
afterAll(async () => {
  await cluster?.stop();
});

/** How many Socket.IO connections each node holds, asked of each node directly (not through the balancer). */
async function connectionsPerNode(c: TestCluster): Promise<Map<string, number>> {
  const token = await signToken(CLUSTER_JWT_SECRET, { sub: 'ops', role: 'admin' });
  const out = new Map<string, number>();
  for (const [name, node] of c.nodes) {
    if (node.child.exitCode !== null || node.child.signalCode !== null) continue;
    const res = await fetch(`${node.url}/api/v1/socket-status`, { headers: { authorization: `Bearer ${token}` } });
    out.set(name, ((await res.json()) as { total_sockets: number }).total_sockets);
  }
  return out;
}

interface ExactlyOnce {
  missing: string[];
  twice: string[];
  wrongId: string[];
  duplicatedInLog: number;
  committedUnacked: number;
}

/** Each acked event is in PostgreSQL once, under the id its ack named; nothing committed went unacknowledged. */
async function exactlyOnceInPostgres(c: TestCluster, ackedMap: Map<string, number>, tag?: string): Promise<ExactlyOnce> {
  const acked = [...ackedMap];
  const ids = acked.map(([eventId]) => eventId);
  const rows = await c.pg.query<{ client_event_id: string; id: number; n: number }>(
    'SELECT client_event_id, min(id)::int AS id, count(*)::int AS n FROM socket_logs WHERE client_event_id = ANY($1) GROUP BY client_event_id',
    [ids]
  );
  const byEventId = new Map(rows.rows.map((r) => [r.client_event_id, r]));
  const duplicated = await c.pg.query("SELECT client_event_id FROM socket_logs WHERE event_type = 'device_data' GROUP BY client_event_id HAVING count(*) > 1");
  const unacked = await c.pg.query<{ n: number }>(
    "SELECT count(*)::int AS n FROM socket_logs WHERE event_type = 'device_data' AND client_event_id LIKE $2 AND NOT (client_event_id = ANY($1))",
    [ids, `${tag ?? ''}%`]
  );
  return {
    missing: acked.filter(([eventId]) => !byEventId.has(eventId)).map(([eventId]) => eventId),
    twice: rows.rows.filter((r) => r.n !== 1).map((r) => r.client_event_id),
    wrongId: acked.filter(([eventId, id]) => byEventId.get(eventId)?.id !== id).map(([eventId]) => eventId),
    duplicatedInLog: duplicated.rows.length,
    committedUnacked: unacked.rows[0]!.n
  };
}

const summarize = (c: ExactlyOnce) =>
  `${c.missing.length} acked missing, ${c.twice.length} twice, ${c.wrongId.length} under another id, ${c.committedUnacked} committed but never acked`;

function expectExactlyOnce(c: ExactlyOnce): void {
  expect(c).toEqual({ missing: [], twice: [], wrongId: [], duplicatedInLog: 0, committedUnacked: 0 });
}

describe('cluster failover: two nodes on PostgreSQL and Redis behind HAProxy, and one of them is killed', () => {
  it('keeps every acknowledged event in PostgreSQL exactly once when the node holding the most devices gets kill -9, and when Redis restarts', async () => {
    cluster = await startTestCluster({ nodes: 2 });
    const load = await startIdLoad({ url: cluster.balancer.url, secret: CLUSTER_JWT_SECRET, clients: DEVICES, ratePerClient: RATE_PER_DEVICE, tag: 'fo' });

    // Both nodes carry devices and acknowledge events before anything happens.
    const spread = await waitFor('devices on both nodes and 300 acked events', async () => {
      const perNode = await connectionsPerNode(cluster!);
      return [...perNode.values()].every((n) => n > 0) && load.acked.size >= 300 && perNode;
    });
    const [victimName] = [...spread].sort((a, b) => b[1] - a[1])[0]!;
    const victim = cluster.nodes.get(victimName)!;
    const ackedBeforeKill = load.acked.size;
    await victim.kill9();

    // Its devices lose their connections; the survivor's go on acknowledging.
    await waitFor('the killed node\'s devices to notice', () => load.disconnects >= 1);
    const survivorAcksFrom = load.acked.size;
    await waitFor('the surviving node to acknowledge 200 more events', () => load.acked.size >= survivorAcksFrom + 200);
    await load.stop();
    // Every device resends what got no answer, through the balancer, with the same event ids.
    await load.resendOutstanding(cluster.balancer.url);
    load.close();
    expect(load.outstanding()).toEqual([]);
    expect(load.refused.size).toBe(0);
    expect(load.conflicting).toEqual([]);

    const check = await exactlyOnceInPostgres(cluster, load.acked, 'fo-');

    // The log verifies: both nodes' chains (the killed one's simply ends) and the checkpoints over them.
    await waitFor('a checkpoint to seal the last rows', async () => {
      const r = await cluster!.pg.query<{ n: number }>('SELECT count(*)::int AS n FROM log_chains WHERE last_seq > checkpointed_seq');
      return r.rows[0]!.n === 0;
    });
    const verify = runCli(['verify', '--postgres-url', cluster.pg.url], { env: { SWITCHBOARD_LOG_SECRET: CLUSTER_LOG_SECRET } });

    console.log(
      `cluster failover: ${DEVICES} devices x ${RATE_PER_DEVICE}/s over 2 nodes (${[...spread].map(([n, c]) => `${n} ${c}`).join(', ')}); killed ${victimName} after ${ackedBeforeKill} acks; ` +
        `${load.acked.size} events acked in all, ${load.unanswered} sends unanswered and ${load.duplicates} resends answered as duplicates; ` +
        `in PostgreSQL: ${summarize(check)}; verify: ${verify.stdout.trim()}`
    );
    expectExactlyOnce(check);
    expect(verify.code).toBe(0);
    expect(verify.stdout).toMatch(/^OK: .* in [23] node chains/);

    // Second round: Redis restarts (empty: it keeps nothing on disk) under load. Live traffic
    // stalls while it is away; the log is in PostgreSQL and loses nothing.
    const round2 = await startIdLoad({ url: cluster.balancer.url, secret: CLUSTER_JWT_SECRET, clients: DEVICES / 2, ratePerClient: RATE_PER_DEVICE, tag: 'rr' });
    await waitFor('100 acked events before Redis restarts', () => round2.acked.size >= 100);
    await cluster.redis.restart();
    const fromRestart = round2.acked.size;
    await waitFor('200 more acked events after Redis came back', () => round2.acked.size >= fromRestart + 200);
    await round2.stop();
    await round2.resendOutstanding(cluster.balancer.url);
    round2.close();
    expect(round2.outstanding()).toEqual([]);
    const check2 = await exactlyOnceInPostgres(cluster, round2.acked, 'rr-');
    const survivorAlive = [...cluster.nodes.values()].filter((n) => n.child.exitCode === null && n.child.signalCode === null).length;
    console.log(`cluster failover, Redis restart: ${round2.acked.size} events acked, ${fromRestart} before the restart; ${survivorAlive} node(s) still up; in PostgreSQL: ${summarize(check2)}`);
    expectExactlyOnce(check2);
    expect(survivorAlive).toBe(1);
  });
});
