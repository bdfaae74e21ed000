/**
 * Where a deployment's CPU goes at low event rates, where the cluster benchmark's
 * CPU per event is highest. The same devices connected, then idle, then at a few
 * low rates; for each: the CPU of every part of the deployment (each node, and
 * PostgreSQL, Redis and HAProxy in a cluster) and, per node, its main thread
 * against its other threads (the commit thread, libuv's pool, V8's helpers).
 * Baseline, measured in the same run: what one wake-up costs on this machine, a
 * worker-thread message answered and a loopback TCP message answered, in CPU per
 * round trip. At low rates nothing batches: every event pays its own hops.
 * Run: npx tsx bench/cluster/lowRate.bench.ts
 *   (env: DEPLOYMENT=sqlite|1|3 (nodes on PostgreSQL + Redis), DEVICES=400, RATES=100,400,1600, STEP_MS=10000,
 *    PROFILE_DIR=dir: each node writes a V8 CPU profile of its main thread there when it stops)
 */
import net from 'node:net';
import os from 'node:os';
import { Worker } from 'node:worker_threads';
import { CLUSTER_JWT_SECRET, startTestCluster } from '../../test/helpers/cluster';
import { tempDir } from '../../test/helpers/core';
import { startServe } from '../../test/helpers/reliability/serve';
import { signToken } from '../../test/helpers/reliability/tokens';
import { processCpuSeconds } from '../hub/cpuAccounting';
import { LoadGenerator } from '../hub/loadGenerator';
import { report, round, type BenchRow } from '../lib/report';
import { treeCpuSeconds } from './processTree';

const DEPLOYMENT = process.env.DEPLOYMENT ?? 'sqlite';
const DEVICES = Number(process.env.DEVICES ?? 400);
const RATES = (process.env.RATES ?? '100,400,1600').split(',').map(Number);
const STEP_MS = Number(process.env.STEP_MS ?? 10_000);
const PAYLOAD = { data_type: 'telemetry', values: { heart_rate: 72, spo2: 97 } };
const ROUND_TRIPS = 2000;
/** Node flags for every node: a CPU profile per node, written at its graceful stop (Node refuses --cpu-prof in NODE_OPTIONS). */
const NODE_ARGS = process.env.PROFILE_DIR ? ['--cpu-prof', `--cpu-prof-dir=${process.env.PROFILE_DIR}`] : [];

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const cpuMicros = () => {
  const c = process.cpuUsage();
  return c.user + c.system;
};

/** CPU seconds of one process's main thread (its thread id is its pid) and of all its threads. */
const threadSplit = (pid: number) => ({ main: processCpuSeconds(pid, pid), all: processCpuSeconds(pid) });

/** A message to a worker thread and its answer, one at a time: this thread's CPU per round trip, µs. */
async function workerRoundTrip(): Promise<number> {
  const worker = new Worker("require('node:worker_threads').parentPort.on('message', (m) => require('node:worker_threads').parentPort.postMessage(m));", { eval: true });
  const once = (n: number) => new Promise<void>((resolve) => (worker.once('message', () => resolve()), worker.postMessage({ seq: n, ops: [{ text: 'x'.repeat(200) }] })));
  await once(-1);
  const before = cpuMicros();
  for (let n = 0; n < ROUND_TRIPS; n++) {
    await once(n);
    await sleep(1); // idle between messages, as at a low event rate: each one wakes the other side
  }
  const perTrip = (cpuMicros() - before) / ROUND_TRIPS;
  await worker.terminate();
  return perTrip;
}

/** A 100-byte message over loopback TCP to an echo server in this process and its answer: CPU per round trip, µs (both ends). */
async function tcpRoundTrip(): Promise<number> {
  const server = net.createServer((s) => s.on('data', (d) => s.write(d)));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  const socket = net.connect(port, '127.0.0.1');
  await new Promise((resolve) => socket.once('connect', resolve));
  const once = () => new Promise<void>((resolve) => (socket.once('data', () => resolve()), socket.write('x'.repeat(100))));
  await once();
  const before = cpuMicros();
  for (let n = 0; n < ROUND_TRIPS; n++) {
    await once();
    await sleep(1);
  }
  const perTrip = (cpuMicros() - before) / ROUND_TRIPS;
  socket.destroy();
  server.close();
  return perTrip;
}

interface Deployment {
  url: string;
  nodes: Map<string, number>;
  /** Every part whose CPU is counted: the nodes, and in a cluster PostgreSQL (with its backends), Redis and HAProxy. */
  parts: Map<string, number>;
  close(): Promise<void>;
}

async function start(): Promise<Deployment> {
  if (DEPLOYMENT === 'sqlite') {
    const node = await startServe({ dataDir: tempDir('switchboard-bench-lowrate-'), env: { SWITCHBOARD_JWT_SECRET: CLUSTER_JWT_SECRET }, nodeArgs: NODE_ARGS });
    const nodes = new Map([['node', node.pid]]);
    return { url: node.url, nodes, parts: new Map(nodes), close: async () => void (await node.stop()) };
  }
  const cluster = await startTestCluster({ nodes: Number(DEPLOYMENT), nodeArgs: NODE_ARGS });
  const nodes = new Map([...cluster.nodes].map(([name, n]) => [name, n.pid]));
  const parts = new Map([...nodes, ['postgresql', cluster.pg.pid], ['redis', cluster.redis.pid], ['haproxy', cluster.balancer.pid]]);
  return { url: cluster.balancer.url, nodes, parts, close: () => cluster.stop() };
}

interface Step {
  label: string;
  acked: number;
  seconds: number;
  cores: Map<string, number>;
  threads: Map<string, { main: number; other: number }>;
}

async function step(d: Deployment, label: string, during: () => Promise<number>): Promise<Step> {
  const cpu0 = new Map([...d.parts].map(([name, pid]) => [name, treeCpuSeconds([pid])]));
  const split0 = new Map([...d.nodes].map(([name, pid]) => [name, threadSplit(pid)]));
  const t0 = performance.now();
  const acked = await during();
  const seconds = (performance.now() - t0) / 1000;
  const cores = new Map([...d.parts].map(([name, pid]) => [name, (treeCpuSeconds([pid]) - cpu0.get(name)!) / seconds]));
  const threads = new Map(
    [...d.nodes].map(([name, pid]) => {
      const a = split0.get(name)!;
      const b = threadSplit(pid);
      return [name, { main: (b.main - a.main) / seconds, other: (b.all - a.all - (b.main - a.main)) / seconds }];
    })
  );
  const total = [...cores.values()].reduce((s, c) => s + c, 0);
  console.log(
    `${label}: ${round(total)} cores (${[...cores].map(([n, c]) => `${n} ${round(c)}`).join(', ')}); ` +
      `main/other threads: ${[...threads].map(([n, t]) => `${n} ${round(t.main)}/${round(t.other)}`).join(', ')}` +
      (acked ? `; ${round((total * 1e6) / (acked / seconds))} us per acked event` : '')
  );
  return { label, acked, seconds, cores, threads };
}

async function main() {
  const load = os.loadavg();
  const worker = await workerRoundTrip();
  const tcp = await tcpRoundTrip();
  console.log(`one wake-up on this machine: worker message round trip ${round(worker)} us CPU, loopback TCP round trip ${round(tcp)} us CPU (both ends)`);
  const d = await start();
  const gen = new LoadGenerator();
  await gen.ready;
  const steps: Step[] = [];
  try {
    const tokens = await Promise.all(Array.from({ length: DEVICES }, (_, k) => signToken(CLUSTER_JWT_SECRET, { sub: `low-dev-${k}`, role: 'device', device_id: `low-D${k}`, device_type: 'telemetry' })));
    const connected = await gen.call<{ connected: number; failed: number }>({ cmd: 'connectRaw', url: d.url, tokens, batch: 50 });
    if (connected.failed > 0) throw new Error(`${connected.failed} of ${DEVICES} devices could not connect`);
    await gen.call({ cmd: 'ladder', event: 'device_data', payload: PAYLOAD, rate: 200, ms: 1500 }); // warm-up
    steps.push(await step(d, `${DEVICES} devices idle`, async () => (await sleep(STEP_MS), 0)));
    for (const rate of RATES) {
      steps.push(
        await step(d, `${rate}/s`, async () => {
          const r = await gen.call<{ acked: number; error?: string }>({ cmd: 'ladder', event: 'device_data', payload: PAYLOAD, rate, ms: STEP_MS });
          if (r.error) throw new Error(r.error);
          return r.acked;
        })
      );
    }
    await gen.call({ cmd: 'disconnect' });
  } finally {
    gen.stop();
    await d.close();
  }
  const rows: BenchRow[] = [
    { metric: 'one wake-up: worker-thread message and answer, CPU us per round trip (this thread)', value: round(worker) },
    { metric: 'one wake-up: loopback TCP message and answer, CPU us per round trip (both ends)', value: round(tcp) },
    ...steps.map((s) => {
      const total = [...s.cores.values()].reduce((sum, c) => sum + c, 0);
      const perEvent = s.acked ? (total * 1e6) / (s.acked / s.seconds) : null;
      return {
        metric: `${s.label}: deployment cores (${[...s.cores.keys()].join(' / ')}); node main/other threads${perEvent === null ? '' : '; CPU us per acked event'}`,
        value: `${round(total)} (${[...s.cores.values()].map((c) => round(c)).join(' / ')}); ${[...s.threads.values()].map((t) => `${round(t.main)}/${round(t.other)}`).join(', ')}${perEvent === null ? '' : `; ${round(perEvent)}`}`
      };
    })
  ];
  report(`cluster-low-rate-${DEPLOYMENT}`, { deployment: DEPLOYMENT, devices: DEVICES, rates: RATES, step_ms: STEP_MS, load_average: load.map((l) => round(l)), command: 'npx tsx bench/cluster/lowRate.bench.ts' }, rows);
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(err);
    process.exit(1);
  }
);
