import { afterAll, describe, expect, it } from 'vitest';
import { rooms } from '../../../src/shared/rooms';
import { CLUSTER_JWT_SECRET, startTestCluster, type TestCluster } from '../../helpers/cluster';
import { gapsOf, sseSubscriber, wsSubscriber, type LiveSubscriber } from '../../helpers/liveSubscribers';
import { IoDevice } from '../../helpers/reliability/restartClients';
import { signToken } from '../../helpers/reliability/tokens';
import { waitFor } from '../../helpers/waitFor';

const PER_TRANSPORT = 6;
const DEVICES = 8;

let cluster: TestCluster | undefined;
const subscribers: LiveSubscriber[] = [];
const devices: IoDevice[] = [];
afterAll(async () => {
  for (const s of subscribers) s.close();
  for (const d of devices) d.close();
  await cluster?.stop();
});

interface Follower {
  user: string;
  unit: string;
  transport: 'websocket' | 'sse';
  sub: LiveSubscriber;
}

/** Which node holds a user's connection: the node whose own registry (scope=node) lists the user. */
async function nodeOf(c: TestCluster, user: string, token: string): Promise<string | null> {
  for (const [name, node] of c.nodes) {
    const res = await fetch(`${node.url}/realtime/stats?scope=node`, { headers: { authorization: `Bearer ${token}` } });
    const stats = (await res.json()) as { data: { connections_by_user: Record<string, number> } };
    if (stats.data.connections_by_user[user]) return name;
  }
  return null;
}

describe('cluster failover: WebSocket and SSE subscribers of a killed node resume on another node', () => {
  it('delivers every room message once, in order, after kill -9 of the node holding most subscribers, through HAProxy, under device load', async () => {
    cluster = await startTestCluster({ nodes: 2 });
    const url = cluster.balancer.url;
    const admin = await signToken(CLUSTER_JWT_SECRET, { sub: 'ops', role: 'admin' });
    const followers: Follower[] = [];
    for (let k = 0; k < PER_TRANSPORT; k += 1) {
      const unit = `LR-W${k}`;
      const token = await signToken(CLUSTER_JWT_SECRET, { sub: `crew-w${k}`, role: 'crew', unit_id: unit });
      followers.push({ user: `crew-w${k}`, unit, transport: 'websocket', sub: wsSubscriber(url, '/realtime/ws', token) });
    }
    for (let k = 0; k < PER_TRANSPORT; k += 1) {
      const unit = `LR-S${k}`;
      const token = await signToken(CLUSTER_JWT_SECRET, { sub: `watch-s${k}`, role: 'supervisor' });
      followers.push({ user: `watch-s${k}`, unit, transport: 'sse', sub: sseSubscriber(url, `/realtime/events?rooms=${encodeURIComponent(rooms.unit(unit))}`, token) });
    }
    subscribers.push(...followers.map((f) => f.sub));
    for (let d = 0; d < DEVICES; d += 1) {
      const token = await signToken(CLUSTER_JWT_SECRET, { sub: `mon-${d}`, role: 'device', device_id: `LRM${d}`, device_type: 'monitor' });
      devices.push(new IoDevice(url, token, `LRM${d}`, 50));
    }
    await waitFor('every subscriber connected through HAProxy', () => followers.every((f) => f.sub.connected));
    const placement = new Map<string, string | null>();
    for (const f of followers) placement.set(f.user, await nodeOf(cluster, f.user, admin));
    const perNode = new Map<string, number>();
    for (const name of placement.values()) if (name) perNode.set(name, (perNode.get(name) ?? 0) + 1);
    const [victimName] = [...perNode].sort((a, b) => b[1] - a[1])[0]!;
    const survivor = cluster.nodes.get([...cluster.nodes.keys()].find((n) => n !== victimName)!)!;

    // A dispatcher's tool on the surviving node publishes a numbered message to every follower's room, round after round.
    let n = 0;
    let publishing = true;
    const publishRound = async () => {
      n += 1;
      const round = n;
      await Promise.all(
        followers.map(async (f) => {
          const res = await fetch(`${survivor.url}/realtime/test/publish`, {
            method: 'POST',
            headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' },
            body: JSON.stringify({ room: rooms.unit(f.unit), event: 'seq', data: { n: round } })
          });
          expect(res.status).toBe(200);
        })
      );
    };
    const publisher = (async () => {
      while (publishing) await publishRound();
    })();

    await waitFor('every subscriber to receive 5 rounds', () => followers.every((f) => f.sub.got.length >= 5));
    const onVictim = followers.filter((f) => placement.get(f.user) === victimName);
    const killedAt = Date.now();
    await cluster.nodes.get(victimName)!.kill9();
    await waitFor("the killed node's subscribers to reconnect through HAProxy", () => onVictim.every((f) => f.sub.reconnects >= 1 && f.sub.connected));
    const reconnectedMs = Date.now() - killedAt;
    const after = n;
    await waitFor('10 more rounds after the reconnection', () => n >= after + 10);
    publishing = false;
    await publisher;
    await waitFor(`every subscriber to hold round ${n}`, () => followers.every((f) => f.sub.got.some((m) => (m.data as { n?: number }).n === n)));

    const gaps = followers.map((f) => ({ user: f.user, transport: f.transport, ...gapsOf(f.sub, 1, n) }));
    const sum = (list: typeof gaps, key: 'missing' | 'duplicated') => list.reduce((s, g) => s + g[key], 0);
    const metrics = await (await fetch(`${survivor.url}/metrics`, { headers: { authorization: `Bearer ${admin}` } })).text();
    const resumes = metrics.split('\n').filter((l) => l.startsWith('switchboard_hub_resumes_total')).join('; ');
    const acked = devices.reduce((s, d) => s + d.acked.size, 0);
    console.log(
      `ws/sse resume: ${followers.length} subscribers (${[...perNode].map(([k, v]) => `${k} ${v}`).join(', ')}), killed ${victimName} with ${onVictim.length} ` +
        `(${onVictim.filter((f) => f.transport === 'websocket').length} ws, ${onVictim.filter((f) => f.transport === 'sse').length} sse); back on the survivor in ${reconnectedMs} ms; ` +
        `${n} rounds; missing ${sum(gaps, 'missing')}, duplicated ${sum(gaps, 'duplicated')}; ${DEVICES} devices acked ${acked} events meanwhile; survivor ${resumes}`
    );
    expect(onVictim.length).toBeGreaterThan(0);
    expect(gaps.filter((g) => g.missing > 0 || g.duplicated > 0 || !g.inOrder)).toEqual([]);
  });
});
