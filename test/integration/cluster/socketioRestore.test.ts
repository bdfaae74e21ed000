import { createServer, type Server as HttpServer } from 'node:http';
import { connect as tcpConnect, createServer as createTcpServer, type AddressInfo, type Server as TcpServer, type Socket as TcpSocket } from 'node:net';
import { createClient } from 'redis';
import { Server } from 'socket.io';
import { io as connectClient, type Socket as ClientSocket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useRedisStreamsAdapter } from '../../../src/main/core/cluster/socketioRedis';
import { startRedis, type TestRedis } from '../../helpers/engines';
import { waitFor } from '../../helpers/waitFor';

const ROOM = 'unit:SR-1';

interface Node {
  io: Server;
  http: HttpServer;
  redis: ReturnType<typeof createClient>;
  port: number;
}

/** A Socket.IO server as a cluster node runs it: recovery on, the Redis streams adapter, the crew joined to its room. */
async function startNode(redisUrl: string): Promise<Node> {
  const redis = createClient({ url: redisUrl });
  await redis.connect();
  const http = createServer();
  const io = new Server(http, { connectionStateRecovery: { maxDisconnectionDuration: 60_000, skipMiddlewares: false } });
  useRedisStreamsAdapter(io, redis, { maxLen: 10_000 });
  io.on('connection', (socket) => {
    if (!socket.recovered) socket.join(ROOM);
  });
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  return { io, http, redis, port: (http.address() as AddressInfo).port };
}

/** A TCP proxy the client always dials; a test points it at a node, or at nothing, and can cut every connection. */
async function startSwitchableProxy() {
  let target: number | null = null;
  const open = new Set<TcpSocket>();
  const server: TcpServer = createTcpServer((client) => {
    if (target === null) return void client.destroy();
    const upstream = tcpConnect(target, '127.0.0.1');
    for (const s of [client, upstream]) {
      open.add(s);
      s.on('close', () => open.delete(s));
      s.on('error', () => undefined);
    }
    client.pipe(upstream).pipe(client);
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    pointTo(port: number | null) {
      target = port;
    },
    cutAll() {
      for (const s of open) s.destroy();
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve()))
  };
}

type RawMessageHandler = (message: unknown, offset: string) => void;

/**
 * Holds back a node's Redis stream loop: messages the loop reads are queued
 * instead of delivered, as on a node whose event loop is late, until released.
 */
function holdStreamLoop(node: Node) {
  const adapter = node.io.of('/').adapter as unknown as { onRawMessage: RawMessageHandler };
  const deliver = adapter.onRawMessage.bind(adapter);
  const held: [unknown, string][] = [];
  let holding = true;
  adapter.onRawMessage = (message, offset) => {
    if (holding) held.push([message, offset]);
    else deliver(message, offset);
  };
  return {
    held: () => held.length,
    release() {
      holding = false;
      for (const [message, offset] of held.splice(0)) deliver(message, offset);
    }
  };
}

/**
 * Connection-state recovery on another node reads the missed messages from the
 * Redis stream, while that node's own stream loop may not have reached them yet.
 * When the loop catches up, the recovered socket is already connected and in its
 * rooms: without care it gets those messages a second time, after newer ones
 * (upstream socketio/socket.io-redis-streams-adapter#26; seen as duplicates and
 * reordering for crews recovering after a kill -9 on a busy machine).
 */
describe('Socket.IO recovery across nodes: the recovering node\'s stream loop lags behind the restore', () => {
  let redis: TestRedis;
  const nodes: Node[] = [];
  let proxy: Awaited<ReturnType<typeof startSwitchableProxy>>;
  let client: ClientSocket | undefined;

  beforeAll(async () => {
    redis = await startRedis();
    nodes.push(await startNode(redis.url), await startNode(redis.url));
    proxy = await startSwitchableProxy();
  });
  afterAll(async () => {
    client?.close();
    await proxy?.close();
    for (const node of nodes) {
      await node.io.close();
      await node.redis.quit().catch(() => undefined);
    }
    await redis?.stop();
  });

  it('delivers each missed message once, in order, then the live ones', async () => {
    const [a, b] = nodes as [Node, Node];
    proxy.pointTo(a.port);
    client = connectClient(proxy.url, { transports: ['websocket'], reconnectionDelay: 50, reconnectionDelayMax: 200 });
    const got: number[] = [];
    client.on('seq', (n: number) => got.push(n));
    let connects = 0;
    let recovered: boolean | null = null;
    client.on('connect', () => {
      connects += 1;
      if (connects > 1) recovered = client!.recovered;
    });
    await waitFor('the client connected to node A and joined its room', () => client!.connected && a.io.of('/').adapter.rooms.get(ROOM)?.size === 1);

    a.io.to(ROOM).emit('seq', 1);
    await waitFor('message 1 received', () => got.length === 1);

    // Node B's stream loop falls behind; the client loses node A and cannot reconnect yet.
    const lag = holdStreamLoop(b);
    proxy.pointTo(null);
    proxy.cutAll();
    await waitFor('node A saw the client go', () => a.io.of('/').sockets.size === 0);
    for (let n = 2; n <= 5; n += 1) a.io.to(ROOM).emit('seq', n);
    await waitFor('node B\'s loop read the four missed messages (and holds them)', () => lag.held() >= 4);

    proxy.pointTo(b.port);
    await waitFor('the client recovered its session on node B', () => recovered !== null && client!.connected);
    expect(recovered).toBe(true);
    await waitFor('the missed messages arrived', () => got.length >= 5);

    // The loop catches up, then the live traffic goes on.
    lag.release();
    a.io.to(ROOM).emit('seq', 6);
    await waitFor('message 6 received', () => got.includes(6));
    expect(got).toEqual([1, 2, 3, 4, 5, 6]);
  });
});
