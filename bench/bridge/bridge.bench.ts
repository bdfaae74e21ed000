/**
 * CAD bridge benchmark (issue 5):
 *  1. inbound: events/s the bridge validates, applies to the dispatch picture,
 *     relays to the hub and writes to the socket log, vs a bare socket.io-client
 *     that only counts them (same simulator process, same run). Target >= 50%.
 *  2. outbox drain after an outage: messages/s delivered from the durable outbox
 *     (SQLite, acked, in order) vs a bare client emitting the same acked messages
 *     with the same window and no persistence.
 * Run: npx tsx bench/bridge/bridge.bench.ts   (BENCH_EVENTS, BENCH_OUTBOX, BENCH_ROUNDS to scale)
 */
import { fork, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { io } from 'socket.io-client';
import { createCore, type Core } from '../../src/main/core/createCore';
import { report, round, type BenchRow } from '../lib/report';

const EVENTS = Number(process.env.BENCH_EVENTS ?? 20_000);
const OUTBOX = Number(process.env.BENCH_OUTBOX ?? 5_000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 2);
const WINDOW = 64;
const TOKEN = 'bench-cad-token-0000';

interface Sim {
  url: string;
  child: ChildProcess;
  request(msg: Record<string, unknown>): Promise<Record<string, unknown>>;
}

async function startSim(): Promise<Sim> {
  const child = fork(path.join(__dirname, 'simProcess.ts'), { execArgv: ['--import', 'tsx'], env: { ...process.env, BENCH_CAD_TOKEN: TOKEN } });
  const url = await new Promise<string>((resolve) => child.once('message', (m: { ready: string }) => resolve(m.ready)));
  const request = (msg: Record<string, unknown>) =>
    new Promise<Record<string, unknown>>((resolve) => {
      const onMessage = (m: Record<string, unknown>) => {
        if (m.done === msg.cmd) {
          child.off('message', onMessage);
          resolve(m);
        }
      };
      child.on('message', onMessage);
      child.send(msg);
    });
  return { url, child, request };
}

const waitUntil = async (probe: () => boolean, timeoutMs = 180_000) => {
  const deadline = Date.now() + timeoutMs;
  while (!probe()) {
    if (Date.now() > deadline) throw new Error('benchmark timed out');
    await new Promise((r) => setTimeout(r, 2));
  }
};

async function bareInbound(sim: Sim): Promise<number> {
  const client = io(sim.url, { auth: { token: TOKEN }, transports: ['websocket'], forceNew: true });
  let count = 0;
  client.on('unit:location:updated', () => (count += 1));
  await new Promise<void>((resolve) => client.once('connect', () => resolve()));
  const started = performance.now();
  await sim.request({ cmd: 'burst', n: EVENTS });
  await waitUntil(() => count >= EVENTS);
  const seconds = (performance.now() - started) / 1000;
  client.disconnect();
  return EVENTS / seconds;
}

async function startCore(url: string): Promise<{ core: Core; dir: string }> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'switchboard-bench-bridge-'));
  const sink = new Writable({ write: (_c, _e, cb) => cb() });
  const core = await createCore(
    { host: '127.0.0.1', port: 0, dataDir: dir, logLevel: 'warn', cad: { url, token: TOKEN }, bridge: { backoffInitialMs: 50, backoffMaxMs: 200, outboxWindow: WINDOW, ...JSON.parse(process.env.BENCH_BRIDGE_SETTINGS ?? '{}') } },
    { logDestination: sink }
  );
  await waitUntil(() => core.services.bridge.health().status === 'healthy', 20_000);
  return { core, dir };
}

async function bridgeInbound(sim: Sim): Promise<{ rate: number; logged: boolean }> {
  const { core, dir } = await startCore(sim.url);
  const before = core.services.bridge.stats().inbound.applied;
  const started = performance.now();
  await sim.request({ cmd: 'burst', n: EVENTS });
  await waitUntil(() => core.services.bridge.stats().inbound.applied - before >= EVENTS);
  const log = (core.services as { log?: { flush(): Promise<void> } }).log;
  await log?.flush();
  const seconds = (performance.now() - started) / 1000;
  await core.close();
  fs.rmSync(dir, { recursive: true, force: true });
  return { rate: EVENTS / seconds, logged: Boolean(log) };
}

async function bareDrain(sim: Sim): Promise<number> {
  const client = io(sim.url, { auth: { token: TOKEN }, transports: ['websocket'], forceNew: true });
  await new Promise<void>((resolve) => client.once('connect', () => resolve()));
  const started = performance.now();
  let sent = 0;
  let acked = 0;
  await new Promise<void>((resolve) => {
    const pump = () => {
      while (sent < OUTBOX && sent - acked < WINDOW) {
        const i = sent++;
        client.emit('metrics:broadcast', { metrics: { i }, idempotency_key: randomUUID(), queued_at: new Date().toISOString() }, () => {
          acked += 1;
          if (acked === OUTBOX) resolve();
          else pump();
        });
      }
    };
    pump();
  });
  const seconds = (performance.now() - started) / 1000;
  client.disconnect();
  return OUTBOX / seconds;
}

async function bridgeDrain(sim: Sim): Promise<{ rate: number; enqueueRate: number }> {
  const { core, dir } = await startCore(sim.url);
  await sim.request({ cmd: 'reachable', value: false });
  await waitUntil(() => core.services.bridge.health().status === 'disconnected');
  const enqueueStarted = performance.now();
  await Promise.all(Array.from({ length: OUTBOX }, (_, i) => core.services.bridge.send('metrics:broadcast', { metrics: { i } })));
  const enqueueRate = OUTBOX / ((performance.now() - enqueueStarted) / 1000);
  const started = performance.now();
  await sim.request({ cmd: 'reachable', value: true });
  core.services.bridge.reconnect();
  await waitUntil(() => core.services.bridge.health().bridge.outbox.pending === 0);
  const seconds = (performance.now() - started) / 1000;
  await core.close();
  fs.rmSync(dir, { recursive: true, force: true });
  return { rate: OUTBOX / seconds, enqueueRate };
}

async function main() {
  const sim = await startSim();
  const best = { bare: 0, bridge: 0, bareDrain: 0, drain: 0, enqueue: 0 };
  let logged = false;
  try {
    for (let r = 0; r < ROUNDS; r += 1) {
      // Alternate the order so neither side always runs on a warmer process.
      const bare = await bareInbound(sim);
      const bridged = await bridgeInbound(sim);
      logged = bridged.logged;
      const bd = await bareDrain(sim);
      const drained = await bridgeDrain(sim);
      best.bare = Math.max(best.bare, bare);
      best.bridge = Math.max(best.bridge, bridged.rate);
      best.bareDrain = Math.max(best.bareDrain, bd);
      best.drain = Math.max(best.drain, drained.rate);
      best.enqueue = Math.max(best.enqueue, drained.enqueueRate);
      console.log(`round ${r + 1}: inbound bare ${round(bare, 0)}/s bridge ${round(bridged.rate, 0)}/s; drain bare ${round(bd, 0)}/s bridge ${round(drained.rate, 0)}/s`);
    }
  } finally {
    sim.child.kill();
  }
  const inboundRatio = best.bridge / best.bare;
  const rows: BenchRow[] = [
    {
      metric: `inbound events/s (validate+apply+relay${logged ? '+socket log' : ''})`,
      value: round(best.bridge, 0),
      baseline: round(best.bare, 0),
      ratio: inboundRatio,
      target: '>= 50% of bare client',
      pass: inboundRatio >= 0.5
    },
    {
      metric: `outbox drain msgs/s after outage (window ${WINDOW}, acked, durable)`,
      value: round(best.drain, 0),
      baseline: round(best.bareDrain, 0),
      ratio: best.drain / best.bareDrain
    },
    { metric: 'outbox enqueue msgs/s (group commit, fsync)', value: round(best.enqueue, 0) }
  ];
  report('bridge-throughput', { events: EVENTS, outbox: OUTBOX, rounds: ROUNDS, window: WINDOW, best_of: ROUNDS }, rows);
}

void main().catch((err) => {
  console.error(err);
  process.exit(1);
});
