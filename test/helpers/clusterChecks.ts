import type { BridgeHealth } from '../../src/shared/contract/bridge';
import { runCli } from './cli';
import { CLUSTER_JWT_SECRET, CLUSTER_LOG_SECRET, type TestCluster } from './cluster';
import { signToken } from './reliability/tokens';
import { waitFor } from './waitFor';

/**
 * What a cluster failover test checks after each round, against PostgreSQL and
 * the nodes themselves (never through the balancer, which hides who holds what).
 */

const alive = (c: TestCluster) => [...c.nodes].filter(([, n]) => n.child.exitCode === null && n.child.signalCode === null);

/**
 * How many of this load's devices each live node holds, from each node's own
 * connection registry; null when a node did not answer 200 this time (a starved
 * node can answer a plain GET with 408 when its request timer ran out: ask again).
 */
export async function devicesPerNode(c: TestCluster, userPrefix: string): Promise<Map<string, number> | null> {
  const token = await signToken(CLUSTER_JWT_SECRET, { sub: 'ops', role: 'admin' });
  const out = new Map<string, number>();
  for (const [name, node] of alive(c)) {
    const res = await fetch(`${node.url}/realtime/stats?scope=node`, { headers: { authorization: `Bearer ${token}` } });
    if (res.status !== 200) {
      console.warn(`${name} answered /realtime/stats with ${res.status}: ${(await res.text()).slice(0, 300)}`);
      return null;
    }
    const byUser = ((await res.json()) as { data: { connections_by_user: Record<string, number> } }).data.connections_by_user;
    out.set(name, Object.entries(byUser).filter(([user]) => user.startsWith(userPrefix)).reduce((s, [, n]) => s + n, 0));
  }
  return out;
}

export interface ExactlyOnce {
  missing: string[];
  twice: string[];
  wrongId: string[];
  duplicatedInLog: number;
  committedUnacked: number;
}

/**
 * Each acked event is in PostgreSQL once, under the id its ack named; nothing
 * committed under `tag` went unacknowledged. The rows are compared in memory:
 * tens of thousands of ids in `= ANY(array)` make PostgreSQL compare every row
 * with every id.
 */
export async function exactlyOnceInPostgres(c: TestCluster, acked: Map<string, number>, tag: string): Promise<ExactlyOnce> {
  const rows = await c.pg.query<{ client_event_id: string; id: string }>(
    "SELECT client_event_id, id::text AS id FROM socket_logs WHERE event_type = 'device_data' AND client_event_id LIKE $1",
    [`${tag}-%`]
  );
  const idsByEvent = new Map<string, number[]>();
  for (const r of rows.rows) idsByEvent.set(r.client_event_id, [...(idsByEvent.get(r.client_event_id) ?? []), Number(r.id)]);
  const duplicated = await c.pg.query("SELECT client_event_id FROM socket_logs WHERE event_type = 'device_data' AND client_event_id IS NOT NULL GROUP BY client_event_id HAVING count(*) > 1");
  const ackedIds = [...acked];
  return {
    missing: ackedIds.filter(([eventId]) => !idsByEvent.has(eventId)).map(([eventId]) => eventId),
    twice: ackedIds.filter(([eventId]) => (idsByEvent.get(eventId)?.length ?? 0) > 1).map(([eventId]) => eventId),
    wrongId: ackedIds.filter(([eventId, id]) => idsByEvent.has(eventId) && Math.min(...idsByEvent.get(eventId)!) !== id).map(([eventId]) => eventId),
    duplicatedInLog: duplicated.rows.length,
    committedUnacked: [...idsByEvent.keys()].filter((eventId) => !acked.has(eventId)).length
  };
}

export const NOTHING_LOST_OR_DOUBLED: ExactlyOnce = { missing: [], twice: [], wrongId: [], duplicatedInLog: 0, committedUnacked: 0 };

export const describeExactlyOnce = (c: ExactlyOnce) =>
  `${c.missing.length} acked missing, ${c.twice.length} twice, ${c.wrongId.length} under another id, ${c.committedUnacked} committed but never acked`;

/** The statistics counters (per node and minute) summed, against a GROUP BY over the rows: the (minute, type, status) cells that differ. */
export async function countersAgainstRows(c: TestCluster): Promise<{ cells: number; differing: string[] }> {
  const res = await c.pg.query<{ cell: string; counted: string | null; rows: string | null }>(
    `WITH counted AS (SELECT minute, event_type, status, sum(count) AS n FROM log_counters GROUP BY 1, 2, 3),
          grouped AS (SELECT date_trunc('minute', created_at) AS minute, event_type, current_status AS status, count(*) AS n FROM socket_logs GROUP BY 1, 2, 3)
     SELECT concat_ws(' ', coalesce(c.minute, g.minute), coalesce(c.event_type, g.event_type), coalesce(c.status, g.status)) AS cell, c.n::text AS counted, g.n::text AS rows
     FROM counted c FULL JOIN grouped g ON c.minute = g.minute AND c.event_type = g.event_type AND c.status = g.status`
  );
  const differing = res.rows.filter((r) => Number(r.counted ?? 0) !== Number(r.rows ?? 0)).map((r) => `${r.cell}: counters ${r.counted ?? 0}, rows ${r.rows ?? 0}`);
  return { cells: res.rows.length, differing };
}

/** Waits for a checkpoint to seal every chain's last rows, then runs `switchboard verify --postgres-url`. */
export async function verifyPostgresLog(c: TestCluster): Promise<{ code: number | null; stdout: string; stderr: string }> {
  await waitFor('a checkpoint to seal the last rows', async () => {
    const r = await c.pg.query<{ n: number }>('SELECT count(*)::int AS n FROM log_chains WHERE last_seq > checkpointed_seq');
    return r.rows[0]!.n === 0;
  });
  return runCli(['verify', '--postgres-url', c.pg.url], { env: { SWITCHBOARD_LOG_SECRET: CLUSTER_LOG_SECRET } });
}

/** The q-quantile (0..1) of some numbers, nearest rank; NaN for none. */
export function quantile(values: number[], q: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!;
}

/** One node's own view of the CAD bridge (asked directly, not through the balancer). */
export async function cadHealthOf(nodeUrl: string, adminToken: string): Promise<BridgeHealth> {
  return (await (await fetch(`${nodeUrl}/api/socket-bridge/health`, { headers: { authorization: `Bearer ${adminToken}` } })).json()) as BridgeHealth;
}

/**
 * The node holding the CAD link, once every live node names the same one and
 * sees its link up (each node asked directly, not through the balancer); null
 * while they disagree or the named holder is not alive.
 */
export async function agreedCadHolder(c: TestCluster, adminToken: string): Promise<string | null> {
  const live = alive(c);
  const healths = await Promise.all(live.map(([, n]) => cadHealthOf(n.url, adminToken).catch(() => null)));
  const holders = new Set(healths.map((h) => (h?.bridge.connected ? h.cluster?.link_holder : 'none')));
  const [holder] = [...holders];
  return holders.size === 1 && holder && holder !== 'none' && live.some(([name]) => name === holder) ? holder : null;
}
