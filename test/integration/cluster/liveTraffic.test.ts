import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rooms } from '../../../src/shared/rooms';
import { createClient } from 'redis';
import { openPostgres } from '../../../src/main/core/log/storage/postgres/pgDatabase';
import { migratePostgres } from '../../../src/main/core/log/storage/postgres/pgMigrations';
import { CLUSTER_JWT_SECRET, CLUSTER_LOG_SECRET } from '../../helpers/cluster';
import { startTestCore, tempDir, type TestCore } from '../../helpers/core';
import { startPostgres, startRedis, type TestPostgres, type TestRedis } from '../../helpers/engines';
import { gapsOf, sseSubscriber, wsSubscriber, type LiveSubscriber } from '../../helpers/liveSubscribers';
import { signToken } from '../../helpers/reliability/tokens';
import { waitFor } from '../../helpers/waitFor';

/**
 * Two nodes in this process sharing one PostgreSQL and one Redis: raw WebSocket
 * and SSE subscribers hear room messages published on the other node, and a
 * subscriber that moves to another node resumes from its last id with nothing
 * missing and nothing twice, even on a node started after the messages it missed.
 */
describe('cluster mode: WebSocket and SSE traffic crosses nodes', () => {
  let pg: TestPostgres;
  let redis: TestRedis;
  const nodes: TestCore[] = [];
  const subscribers: LiveSubscriber[] = [];
  let admin: string;
  let crew: string;
  const UNIT = 'LT-1';

  const startNode = async (name: string) => {
    const node = await startTestCore({
      logLevel: (process.env.LIVE_LOG as 'warn' | undefined) ?? 'silent',
      dataDir: tempDir(),
      jwtSecret: CLUSTER_JWT_SECRET,
      cluster: { enabled: true, postgresUrl: pg.url, redisUrl: redis.url, nodeName: name, logSecret: CLUSTER_LOG_SECRET, heartbeatIntervalMs: 300 }
    });
    nodes.push(node);
    return node;
  };
  const publish = async (node: TestCore, n: number) => {
    const res = await fetch(`${node.core.url}/realtime/test/publish`, {
      method: 'POST',
      headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' },
      body: JSON.stringify({ room: rooms.unit(UNIT), event: 'seq', data: { n } })
    });
    expect(res.status).toBe(200);
    return ((await res.json()) as { id: number }).id;
  };
  const follow = <T extends LiveSubscriber>(s: T) => (subscribers.push(s), s);

  beforeAll(async () => {
    [pg, redis] = await Promise.all([startPostgres(), startRedis()]);
    const db = openPostgres(pg.url, { max: 1 });
    await migratePostgres(db.db);
    await db.close();
    admin = await signToken(CLUSTER_JWT_SECRET, { sub: 'ops', role: 'admin' });
    crew = await signToken(CLUSTER_JWT_SECRET, { sub: 'crew-lt', role: 'crew', unit_id: UNIT });
    await startNode('live-a');
    await startNode('live-b');
  });
  afterAll(async () => {
    for (const s of subscribers) s.close();
    for (const n of nodes) await n.close();
    await redis?.stop();
    await pg?.stop();
  });

  it('delivers a message published on node B to WebSocket and SSE subscribers on node A, with one cluster-wide id', async () => {
    const [a, b] = nodes as [TestCore, TestCore];
    const ws = follow(wsSubscriber(a.core.url, '/realtime/ws', crew));
    const sse = follow(sseSubscriber(a.core.url, `/realtime/events?rooms=${encodeURIComponent(rooms.unit(UNIT))}`, admin));
    await waitFor('both subscribers connected to node A', () => ws.connected && sse.connected);

    const id = await publish(b, 1);
    await waitFor('node A\'s subscribers to get the message from node B', () => ws.got.length >= 1 && sse.got.length >= 1);
    expect(ws.got).toEqual([{ id, data: { n: 1 } }]);
    expect(sse.got).toEqual([{ id, data: { n: 1 } }]);

    // Both nodes count both subscribers, and say which node holds them.
    type Stats = { data: { connections_by_user: Record<string, number>; connections_by_node: Record<string, number> } };
    for (const node of [a, b]) {
      await waitFor(`node ${node.core.url} to count node A's two subscribers`, async () => {
        const s = (await (await fetch(`${node.core.url}/realtime/stats`, { headers: { authorization: `Bearer ${admin}` } })).json()) as Stats;
        return s.data.connections_by_user['crew-lt'] === 1 && s.data.connections_by_user.ops === 1 && s.data.connections_by_node['live-a'] === 2;
      });
    }
    // The console's view: the nodes with their health and the connections each holds.
    const view = await b.core.api.call('hub.cluster', {}, { operator: { username: 'sam', role: 'supervisor' }, transport: 'socket' });
    expect(view).toMatchObject({ ok: true, value: { mode: 'cluster', node: 'live-b' } });
    const listed = view.ok ? view.value.nodes : [];
    expect(listed).toEqual(expect.arrayContaining([expect.objectContaining({ name: 'live-a', status: 'up', connections: 2 }), expect.objectContaining({ name: 'live-b', status: 'up', connections: 0 })]));
    // The status strip on a console linked to node B counts node A's subscribers and events too.
    const stripOn = async (node: TestCore) => {
      const answer = await node.core.api.call('hub.stats', {}, { operator: { username: 'sam', role: 'supervisor' }, transport: 'socket' });
      if (!answer.ok) throw new Error(answer.error.message);
      return answer.value;
    };
    const ownOfA = (await stripOn(a)).events_out_total;
    await waitFor("node B's strip to add node A's connections and messages", async () => {
      const strip = await stripOn(b);
      return strip.nodes === 2 && strip.connections === 2 && strip.by_transport.websocket === 1 && strip.by_transport.sse === 1 && strip.events_out_total >= ownOfA;
    });
    ws.close();
    sse.close();
  });

  it('resumes a subscriber that moves from node A to node B after a gap: nothing missing, nothing twice', async () => {
    const [a, b] = nodes as [TestCore, TestCore];
    for (let n = 1; n <= 5; n += 1) await publish(b, n);
    const first = await publish(a, 6);
    const ws = follow(wsSubscriber(a.core.url, '/realtime/ws', crew, first - 1));
    const sse = follow(sseSubscriber(a.core.url, `/realtime/events?rooms=${encodeURIComponent(rooms.unit(UNIT))}`, admin, first - 1));
    await waitFor('both subscribers to get message 6 on node A', () => ws.got.length >= 1 && sse.got.length >= 1);
    ws.close();
    sse.close();
    // While they are away: messages from both nodes.
    for (let n = 7; n <= 16; n += 1) await publish(n % 2 ? a : b, n);
    const lastSeenWs = ws.got.at(-1)!.id;
    const lastSeenSse = sse.got.at(-1)!.id;
    const wsBack = follow(wsSubscriber(b.core.url, '/realtime/ws', crew, lastSeenWs));
    const sseBack = follow(sseSubscriber(b.core.url, `/realtime/events?rooms=${encodeURIComponent(rooms.unit(UNIT))}`, admin, lastSeenSse));
    await waitFor('the moved subscribers to connect to node B', () => wsBack.connected && sseBack.connected);
    for (let n = 17; n <= 20; n += 1) await publish(a, n);
    await waitFor('both to hold message 20', () => [wsBack, sseBack].every((s) => s.got.some((m) => (m.data as { n: number }).n === 20)));
    for (const sub of [wsBack, sseBack]) expect(gapsOf(sub, 7, 20)).toEqual({ missing: 0, duplicated: 0, inOrder: true });
    expect(wsBack.got.map((m) => (m.data as { n: number }).n)).toEqual(Array.from({ length: 14 }, (_, i) => i + 7));
  });

  it('answers a resume on a node started after the missed messages from Redis, and counts it on /metrics', async () => {
    const [a] = nodes as [TestCore, TestCore];
    const before = await publish(a, 100);
    for (let n = 101; n <= 105; n += 1) await publish(a, n);
    // A busy cluster's live stream has moved on past them: only the room's own stream still holds them.
    const client = createClient({ url: redis.url });
    await client.connect();
    await client.xTrim('switchboard:rooms:live', 'MAXLEN', 0);
    await client.quit();
    const late = await startNode('live-c');
    const ws = follow(wsSubscriber(late.core.url, '/realtime/ws', crew, before));
    const sse = follow(sseSubscriber(late.core.url, `/realtime/events?rooms=${encodeURIComponent(rooms.unit(UNIT))}`, admin, before));
    await waitFor('the late node\'s subscribers to get 101..105', () => ws.got.length >= 5 && sse.got.length >= 5);
    for (const sub of [ws, sse]) expect(gapsOf(sub, 101, 105)).toEqual({ missing: 0, duplicated: 0, inOrder: true });
    const metrics = await (await fetch(`${late.core.url}/metrics`, { headers: { authorization: `Bearer ${admin}` } })).text();
    expect(metrics).toMatch(/switchboard_hub_resumes_total\{transport="websocket",source="redis"\} 1/);
    expect(metrics).toMatch(/switchboard_hub_resumes_total\{transport="sse",source="redis"\} 1/);
    expect(metrics).toMatch(/switchboard_cluster_redis_latency_seconds \d/);
    expect(metrics).toMatch(/switchboard_cluster_postgres_latency_seconds \d/);
    expect(metrics).toMatch(/switchboard_cluster_cad_lease_held 0/);
  });
});
