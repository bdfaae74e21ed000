import http from 'node:http';
import type { Socket as NetSocket } from 'node:net';
import { io as connectSocketIo } from 'socket.io-client';
import { afterAll, describe, expect, it } from 'vitest';
import { percentile } from '../../bench/lib/report';
import { tempDir } from '../helpers/core';
import { HubWebSocket, RawSocketIo, sleep, waitFor } from '../helpers/reliability/clients';
import { jwtSecretOf, startServe, type ServeProcess } from '../helpers/reliability/serve';
import { signToken } from '../helpers/reliability/tokens';

/**
 * Publishing stops once each stalled reader has been offered this much: an amount,
 * not a duration, so a busy machine offers as much, only more slowly.
 */
const OFFER_MB = Number(process.env.SLOW_OFFER_MB ?? 250);
const MESSAGE_BYTES = 256 * 1024;
/** The hub may hold this much more memory while consumers stall (room history alone keeps 100 x 256 KB). */
const MEMORY_BOUND_MB = 150;
const ROOM = 'system:alerts';
/** Which stalled readers to open (SLOW_TRANSPORTS=sio or ws or sse narrows a failure down to one transport). */
const STALLED = new Set((process.env.SLOW_TRANSPORTS ?? 'sio,ws,sse').split(','));

let serve: ServeProcess | undefined;
afterAll(async () => {
  await serve?.stop();
});

/** The TCP socket under a ws client: pausing it is a client that stops reading. */
const tcpOf = (ws: unknown) => (ws as { _socket: NetSocket })._socket;

describe('slow consumers', () => {
  it('a client that stops reading neither grows the hub without bound nor delays the others', async () => {
    // A capped V8 heap: unbounded queues end in an exit we see, and uncollected garbage cannot pass
    // for growth. The cap must sit well under the baseline heap (~50 MB) plus the bound: V8 lets
    // garbage pile up to near the cap before a full collection, and with 256 MB a busy machine's
    // late collections alone measured past the bound.
    serve = await startServe({ dataDir: tempDir('switchboard-slow-'), env: { NODE_OPTIONS: '--max-old-space-size=160' } });
    const secret = jwtSecretOf(serve.dataDir);
    const { url } = serve;
    const admin = await signToken(secret, { sub: 'slow-admin', role: 'admin' });
    const operator = (n: string) => signToken(secret, { sub: n, role: 'dispatcher' });

    // Three stalled readers, one per transport: Socket.IO, the raw WebSocket protocol, SSE.
    const stalledSio = STALLED.has('sio') ? await RawSocketIo.connect(url, { token: await operator('stalled-sio') }) : null;
    if (stalledSio) {
      await stalledSio.emit('join_room', { room: ROOM });
      tcpOf(stalledSio.ws).pause();
    }
    const stalledWs = STALLED.has('ws') ? await HubWebSocket.connect(url, '/realtime/ws', await operator('stalled-ws')) : null;
    if (stalledWs) {
      const answered = subscriptionAnswered(stalledWs);
      stalledWs.send(JSON.stringify({ type: 'subscribe', room: ROOM }));
      await answered;
      tcpOf(stalledWs.ws).pause();
    }
    const sseToken = await operator('stalled-sse');
    const stalledSse = STALLED.has('sse')
      ? await new Promise<http.IncomingMessage>((resolve, reject) => {
          http.get(`${url}/realtime/events?rooms=${ROOM}`, { headers: { authorization: `Bearer ${sseToken}` } }, resolve).on('error', reject);
        })
      : null;
    stalledSse?.pause();

    // Two readers that keep up: both must get every message, promptly.
    const fastSio = connectSocketIo(url, { auth: { token: await operator('fast-sio') }, transports: ['websocket'], reconnection: false });
    await new Promise<void>((r) => fastSio.once('connect', () => r()));
    await fastSio.emitWithAck('join_room', { room: ROOM });
    const fastWs = await HubWebSocket.connect(url, '/realtime/ws', await operator('fast-ws'), { keep: false });
    const fastSubscribed = subscriptionAnswered(fastWs);
    fastWs.send(JSON.stringify({ type: 'subscribe', room: ROOM }));
    await fastSubscribed;
    const sioLatency: number[] = [];
    let wsReceived = 0;
    fastSio.on('system.update', (data: { at: number }) => sioLatency.push(Date.now() - data.at));
    fastWs.ws.on('message', (raw) => {
      if (raw.toString().startsWith('{"type":"system.update"')) wsReceived += 1;
    });
    // And a device whose acks must keep flowing while the hub fans out.
    const device = await RawSocketIo.connect(url, { token: await signToken(secret, { sub: 'slow-dev', role: 'device', device_id: 'SLOW-D1', device_type: 'monitor' }) });
    const ackLatency: number[] = [];
    const ackErrors: string[] = [];

    // One answered event: every reader and the device are in before the baseline.
    await device.emit('device_data', { data_type: 'telemetry', values: { n: -1 } });
    const baselineMb = serve.rssMb() ?? 0;
    const samples: number[] = [];
    const sampler = setInterval(() => samples.push(serve?.rssMb() ?? 0), 250);
    const blob = 'x'.repeat(MESSAGE_BYTES);
    let published = 0;
    let refusedPublishes = 0;
    let publishersStopped = false;
    const publishing = () => !publishersStopped && published * MESSAGE_BYTES < OFFER_MB * 1024 * 1024;
    const publisher = async () => {
      while (publishing()) {
        const res = await fetch(`${url}/realtime/test/publish`, {
          method: 'POST',
          headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' },
          body: JSON.stringify({ room: ROOM, event: 'system.update', data: { seq: published, at: Date.now(), blob } })
        }).catch(() => null);
        if (!res) return; // the hub is gone; the figures below say so
        if (res.status === 200) published += 1;
        else if (++refusedPublishes > 100) return; // the hub keeps refusing: the assertions below say so
        await res.arrayBuffer();
      }
    };
    const deviceLoop = async () => {
      for (let n = 0; publishing(); n += 1) {
        const started = performance.now();
        try {
          const [ack] = await device.emit('device_data', { data_type: 'telemetry', values: { n } });
          ackLatency.push(performance.now() - started);
          if ((ack as { ok?: boolean }).ok !== true) ackErrors.push(JSON.stringify(ack).slice(0, 200));
        } catch (err) {
          // The connection went away: the hub died or dropped a client that was keeping up.
          ackErrors.push((err as Error).message);
          return;
        }
        await sleep(50);
      }
    };
    const publishStarted = performance.now();
    // The device keeps sending until the publishers stop, whether they offered it all or were refused.
    const publishers = Promise.all([publisher(), publisher(), publisher()]).finally(() => (publishersStopped = true));
    await Promise.all([publishers, deviceLoop()]);
    const publishSeconds = Math.round((performance.now() - publishStarted) / 100) / 10;
    const alive = () => serve?.child.exitCode === null && serve.child.signalCode === null;
    await waitFor('fast readers caught up', () => !alive() || (sioLatency.length >= published && wsReceived >= published), 120_000).catch(() => undefined);
    clearInterval(sampler);
    const peakMb = Math.max(baselineMb, ...samples);
    const hubAlive = serve.child.exitCode === null && serve.child.signalCode === null;
    const status = hubAlive
      ? ((await fetch(`${url}/realtime/stats`, { headers: { authorization: `Bearer ${admin}` } })
          .then((r) => r.json())
          .catch(() => null)) as { data: { connections_by_user: Record<string, number> } } | null)
      : null;
    const still = status?.data.connections_by_user ?? {};
    if (!hubAlive) console.log(`[slow] THE HUB DIED (exit ${serve.child.exitCode ?? serve.child.signalCode}): ${serve.output().slice(-600)}`);
    const offeredMb = Math.round((published * MESSAGE_BYTES) / 1024 / 1024);
    console.log(
      `[slow] stalled readers: ${[...STALLED].join(', ')}; published ${published} x ${MESSAGE_BYTES / 1024} KB (${offeredMb} MB offered to each stalled reader) in ${publishSeconds} s; ` +
        `hub RSS ${baselineMb} MB before, peak ${peakMb} MB (+${Math.round(peakMb - baselineMb)} MB, bound +${MEMORY_BOUND_MB}); ` +
        `stalled readers still connected: socket.io ${still['stalled-sio'] ?? 0}, websocket ${still['stalled-ws'] ?? 0}, sse ${still['stalled-sse'] ?? 0}; ` +
        `fast socket.io reader got ${sioLatency.length}/${published} (delivery p50 ${percentile(sioLatency, 50)} ms, p99 ${percentile(sioLatency, 99)} ms), ` +
        `fast websocket reader got ${wsReceived}/${published}; device acks ${ackLatency.length} (p99 ${Math.round(percentile(ackLatency, 99))} ms, errors ${ackErrors.length})`
    );
    stalledSio?.close();
    stalledWs?.close();
    stalledSse?.destroy();
    fastSio.disconnect();
    fastWs.close();
    device.close();

    expect(hubAlive, 'the hub survived its stalled readers').toBe(true);
    expect(offeredMb, 'enough was offered that unbounded buffering would show').toBeGreaterThan(MEMORY_BOUND_MB);
    expect(sioLatency.length).toBe(published);
    expect(wsReceived).toBe(published);
    expect(ackErrors).toEqual([]);
    // Device acks kept flowing the whole time (their latency is reported above, not judged:
    // on a busy machine every answer is late, stalled readers or not).
    expect(ackLatency.length, 'device events answered while the stalled readers were offered data').toBeGreaterThan(10);
    expect(peakMb - baselineMb, 'hub memory growth with stalled readers (MB)').toBeLessThan(MEMORY_BOUND_MB);
  });
});

/** Resolves when the hub answers this connection's subscribe (register before sending it). */
function subscriptionAnswered(ws: HubWebSocket): Promise<void> {
  return new Promise((resolve) => {
    const onMessage = (raw: unknown) => {
      if (!String(raw).includes('"type":"subscription"')) return;
      ws.ws.off('message', onMessage);
      resolve();
    };
    ws.ws.on('message', onMessage);
  });
}
