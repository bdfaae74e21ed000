/**
 * Where the hub's per-event CPU goes: the hub in this process under a steady
 * acked `update_location` load from the bench's load generator (a child
 * process), CPU per acked event (all threads of this process), and a V8 CPU
 * profile of the main thread with its heaviest functions by self time.
 *
 *   npx tsx bench/hub/hubProfile.ts   (env: CLIENTS=200, RATE=2000, MS=10000, TLS=1, PROFILE=out.cpuprofile)
 *
 * Not a throughput figure (hub.bench.ts is): a fixed rate the hub sustains even
 * on a busy machine, so the cost per event can be compared before and after a change.
 */
import { fork } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Session } from 'node:inspector/promises';
import { PassThrough } from 'node:stream';
import { createCore } from '../../src/main/core/createCore';
import { createSelfSignedCertificate } from '../../src/main/core/http/selfSignedCert';
import { round } from '../lib/report';
import { cpuWindow, threadCpuSeconds } from './cpuAccounting';

const CLIENTS = Number(process.env.CLIENTS ?? 200);
const RATE = Number(process.env.RATE ?? 2000);
const MS = Number(process.env.MS ?? 10_000);
const PROFILE = process.env.PROFILE;
const PAYLOAD = { latitude: 47.6062, longitude: -122.3321, heading: 90, speed_kmh: 42, status: 'en_route', accuracy_m: 5 };

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
}

function heaviest(profile: { nodes: ProfileNode[]; samples?: number[] }, top = 30): string[] {
  const bySelf = new Map<string, number>();
  let total = 0;
  for (const node of profile.nodes) {
    const hits = node.hitCount ?? 0;
    total += hits;
    const where = node.callFrame.url.replace(/^.*node_modules\//, '').replace(/^.*\/src\//, 'src/');
    const key = `${node.callFrame.functionName || '(anonymous)'} ${where}:${node.callFrame.lineNumber + 1}`;
    bySelf.set(key, (bySelf.get(key) ?? 0) + hits);
  }
  return [...bySelf.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, top)
    .map(([key, hits]) => `${((hits / total) * 100).toFixed(1).padStart(5)}%  ${key}`);
}

async function main() {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'switchboard-hubprofile-'));
  let tls: { certFile: string; keyFile: string } | null = null;
  if (process.env.TLS === '1') {
    const made = createSelfSignedCertificate({ hosts: ['127.0.0.1', 'localhost'] });
    tls = { certFile: path.join(dataDir, 'cert.pem'), keyFile: path.join(dataDir, 'key.pem') };
    fs.writeFileSync(tls.certFile, made.certPem);
    fs.writeFileSync(tls.keyFile, made.keyPem, { mode: 0o600 });
  }
  const sink = new PassThrough();
  sink.resume();
  const core = await createCore(
    {
      host: '127.0.0.1',
      port: 0,
      dataDir: path.join(dataDir, 'data'),
      logLevel: 'warn',
      hub: { ratePerSecond: 1000, burst: 2000, historyPerRoom: 20 },
      security: { maxConnectionsPerAddress: 1_000_000, ...(tls ? { tlsCert: tls.certFile, tlsKey: tls.keyFile } : {}) }
    },
    { logDestination: sink }
  );
  const gen = fork(path.join(__dirname, 'loadClient.ts'), [], {
    execArgv: ['--import', 'tsx'],
    stdio: 'inherit',
    env: tls ? { ...process.env, NODE_EXTRA_CA_CERTS: tls.certFile } : process.env
  });
  const pending: Array<(v: unknown) => void> = [];
  gen.on('message', (m) => pending.shift()?.(m));
  const call = <T>(message?: Record<string, unknown>) =>
    new Promise<T>((resolve) => {
      pending.push(resolve as (v: unknown) => void);
      if (message) gen.send(message);
    });
  await call();
  const tokens: string[] = [];
  for (let i = 0; i < CLIENTS; i++) tokens.push((await core.tokens.sign({ sub: `crew-${i}`, role: 'crew', unit_id: `U${i}` }, 3600)).token);
  await call({ cmd: 'connectRaw', url: core.url, tokens, batch: 100 });
  await call({ cmd: 'ladder', event: 'update_location', payload: PAYLOAD, rate: RATE, ms: 2000 }); // warm-up

  const session = new Session();
  if (PROFILE) {
    session.connect();
    await session.post('Profiler.enable');
    await session.post('Profiler.setSamplingInterval', { interval: 200 });
    await session.post('Profiler.start');
  }
  const threads0 = threadCpuSeconds();
  const ended = cpuWindow(gen.pid ?? NaN);
  const step = await call<{ offered: number; acked: number; errors: number; p50: number; p99: number }>({ cmd: 'ladder', event: 'update_location', payload: PAYLOAD, rate: RATE, ms: MS });
  const cpu = ended();
  // Which thread spends the event's CPU: the main thread (the hub), the commit thread, GC helpers, libuv.
  const perThread = [...threadCpuSeconds()]
    .map(([tid, t]) => ({ tid, name: t.name, us: ((t.seconds - (threads0.get(tid)?.seconds ?? 0)) * 1e6) / Math.max(1, step.acked) }))
    .filter((t) => t.us >= 1)
    .sort((a, b) => b.us - a.us);
  console.log(`per thread, us/acked event: ${perThread.map((t) => `${t.tid === process.pid ? 'main' : t.name}#${t.tid} ${round(t.us)}`).join(', ')}`);
  if (PROFILE) {
    const { profile } = await session.post('Profiler.stop');
    fs.writeFileSync(PROFILE, JSON.stringify(profile));
    console.log(heaviest(profile as unknown as { nodes: ProfileNode[] }).join('\n'));
  }
  console.log(
    `${tls ? 'TLS ' : ''}${RATE}/s for ${MS} ms, ${CLIENTS} clients: acked ${step.acked}/${step.offered}, errors ${step.errors}, p50 ${step.p50} ms, p99 ${step.p99} ms; ` +
      `server CPU ${round((cpu.server * 1e6) / step.acked)} us/acked event (${round(cpu.server / cpu.wall)} cores), generator ${round(cpu.generator / cpu.wall)} cores`
  );
  await call({ cmd: 'disconnect' });
  gen.kill();
  await core.close();
  fs.rmSync(dataDir, { recursive: true, force: true });
  process.exit(0);
}

void main().catch((err) => {
  console.error(err);
  process.exit(1);
});
