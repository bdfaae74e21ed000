/**
 * Realtime hub benchmark, side by side with a bare Socket.IO server that acks
 * immediately (the limit), measured in the same run:
 *   1. connect + auth storm of N clients
 *   2. acked `update_location` throughput, open-loop rate ladder (p50/p95/p99/max),
 *      then latency at 70% of the hub's sustained rate; every acked event must be a log row
 *   3. fan-out of one alert to a room of N subscribers
 *   4. heap growth per idle authenticated connection (IDLE connections)
 *   5. CPU per acked event of both servers measured in turn at PAIRED_RATES (pairedCpu.ts),
 *      so that the machine's drift over the minutes between the two ladders cancels out
 * The connect storm and fan-out use socket.io-client; the throughput ladders use
 * wire-protocol clients (rawClient.ts), which cost the generator less CPU on this
 * 2-core machine (LOADGEN=socketio runs the ladders with socket.io-client too).
 * Run: npx tsx bench/hub/hub.bench.ts   (env: CLIENTS, IDLE, RATES=5000,10000,..., STEP_MS, AT70_MS, PAIRED_RATES, LOADGEN)
 * TLS=1 runs both servers over TLS (a self-signed certificate the load generator trusts) and
 * writes bench/results/hub-tls.json: bare Socket.IO over TLS against Switchboard over TLS.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import v8 from 'node:v8';
import vm from 'node:vm';
import type { Core } from '../../src/main/core/createCore';
import { latencySummary, median, percentile, report, round, type BenchRow } from '../lib/report';
import { ACHIEVED_MARGIN, cpuWindow, GENERATOR_SATURATED_CORES } from './cpuAccounting';
import { benchCertificate, startBare, startHub, type Target } from './benchTargets';
import { LoadGenerator } from './loadGenerator';
import { pairedCpu } from './pairedCpu';

const CLIENTS = Number(process.env.CLIENTS ?? 1000);
const IDLE = Number(process.env.IDLE ?? 10_000);
const RATES = (process.env.RATES ?? '4000,6000,8000,10000,12000,14000,16000,20000,30000').split(',').map(Number);
const STEP_MS = Number(process.env.STEP_MS ?? 3000);
const AT70_MS = Number(process.env.AT70_MS ?? 10_000);
const FANOUTS = Number(process.env.FANOUTS ?? 20);
/** Rates at which both servers' CPU per event is measured in turn (pairedCpu.ts): ones both keep up with. */
const PAIRED_RATES = (process.env.PAIRED_RATES ?? '4000,6000,8000').split(',').map(Number);
const LADDER_CONNECT = process.env.LOADGEN === 'socketio' ? 'connect' : 'connectRaw';
const TLS = process.env.TLS === '1' ? benchCertificate() : null;
/** Said in the result file: on a shared machine the absolute rates move with the neighbours' load; CPU per event moves much less. */
const NOTES = process.env.BENCH_NOTES ?? '';

v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc') as () => void;

interface LadderStep {
  rate: number;
  offered: number;
  acked: number;
  errors: number;
  lost: number;
  acked_per_sec: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
  /** Server CPU (all its threads; the generator is another process) per acked event, µs. */
  cpu_us: number;
  /** Server CPU on its main thread (the event loop serving every socket) per acked event, µs. */
  main_us: number;
  /** Cores the server used during the rung (CPU seconds / wall seconds). */
  server_cores: number;
  /** Cores the load generator used during the rung. */
  generator_cores: number;
  /** The rung kept up: >= 99% acked, no errors, p99 under 500 ms. */
  kept_up: boolean;
  /**
   * The generator could not drive this rung (acked well below offered, or the generator
   * saturated). On the bare server's side this labels the rung "generator-limited": what
   * it measured is never the bare server's capacity. On the hub's side a shortfall is the
   * hub's own limit; only a saturated generator is flagged there.
   */
  generator_limited: boolean;
}

/**
 * Lets the hub's log rows commit and its WAL settle. The ladder's top steps leave a
 * WAL of a hundred MB or more; while the background checkpoint copies it back, its
 * fsyncs of the database slow the WAL syncs acks wait for, and its thread's CPU
 * would count against the events of the next measurement. Waits (at most 60 s)
 * until the checkpoint caught up.
 */
async function settleLog(core: Core): Promise<void> {
  await core.services.log.flush();
  await new Promise((resolve) => setTimeout(resolve, 2000));
  const caughtUp = Date.now() + 60_000;
  for (let cp = core.services.log.checkpoint(); Date.now() < caughtUp && (!cp || cp.checkpointed < cp.log); cp = core.services.log.checkpoint()) {
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

const PAYLOAD = { latitude: 47.6062, longitude: -122.3321, heading: 90, speed_kmh: 42, status: 'en_route', accuracy_m: 5 };

async function ladder(gen: LoadGenerator, rates: number[], stepMs = STEP_MS): Promise<LadderStep[]> {
  const steps: LadderStep[] = [];
  for (const rate of rates) {
    const ended = cpuWindow(gen.pid);
    const step = await gen.call<Omit<LadderStep, 'rate' | 'cpu_us' | 'main_us' | 'server_cores' | 'generator_cores' | 'kept_up' | 'generator_limited'> & { error?: string }>({
      cmd: 'ladder',
      event: 'update_location',
      payload: PAYLOAD,
      rate,
      ms: stepMs
    });
    if (step.error) console.log(`  ${rate}/s: the load generator failed: ${step.error}`);
    const cpu = ended();
    const cpuUs = step.acked > 0 ? (cpu.server * 1e6) / step.acked : NaN;
    const generatorCores = cpu.generator / cpu.wall;
    const keptUp = step.acked >= 0.99 * step.offered && step.errors === 0 && step.p99 < 500;
    const generatorLimited = step.acked_per_sec < ACHIEVED_MARGIN * rate || generatorCores >= GENERATOR_SATURATED_CORES;
    const mainUs = step.acked > 0 ? (cpu.main * 1e6) / step.acked : NaN;
    steps.push({ rate, ...step, cpu_us: cpuUs, main_us: mainUs, server_cores: cpu.server / cpu.wall, generator_cores: generatorCores, kept_up: keptUp, generator_limited: generatorLimited });
    console.log(
      `  ${rate}/s offered -> ${round(step.acked_per_sec)}/s acked, p99 ${step.p99} ms, errors ${step.errors}, lost ${step.lost}, ` +
        `server CPU ${round(cpuUs)} us/event (main thread ${round(mainUs)}; ${round(cpu.server / cpu.wall)} cores), generator ${round(generatorCores)} cores${generatorLimited ? ' [short of offered, or generator saturated]' : ''}`
    );
  }
  return steps;
}

/** The highest acked rate of a step that kept up (>= 99% acked, p99 under 500 ms). */
const sustained = (steps: LadderStep[]) => Math.max(0, ...steps.filter((s) => s.kept_up).map((s) => s.acked_per_sec));

/**
 * The bare server's capacity as far as this run can tell. Any rung from the first one the
 * generator could not drive upwards says nothing about the bare server, so the figure is
 * a floor (`limitedAt` set) whenever the ladder ran into the generator before the server.
 */
function bareCapacity(steps: LadderStep[]): { floor: number; limitedAt: number | null } {
  const limited = steps.find((s) => s.generator_limited);
  const driven = steps.filter((s) => s.kept_up && !s.generator_limited);
  return { floor: Math.max(0, ...driven.map((s) => s.acked_per_sec)), limitedAt: limited ? limited.rate : null };
}

async function fanout(gen: LoadGenerator, target: Target): Promise<number[]> {
  await gen.call({ cmd: 'subscribe', room: 'system:alerts' });
  const all: number[] = [];
  for (let i = 0; i < FANOUTS; i++) {
    const waiting = gen.call<{ received: number; latencies: number[] }>({ cmd: 'fanout', event: 'system.alert', expect: CLIENTS, timeoutMs: 5000 });
    await new Promise((r) => setTimeout(r, 50));
    target.publish('system:alerts', 'system.alert', { sent_at: performance.timeOrigin + performance.now(), message: 'drill', severity: 'critical' });
    const { received, latencies } = await waiting;
    if (received < CLIENTS) console.log(`  fan-out ${i}: only ${received}/${CLIENTS} received`);
    all.push(...latencies);
  }
  return all;
}

async function idleHeap(target: Target): Promise<number> {
  const gen = new LoadGenerator(TLS ? { NODE_EXTRA_CA_CERTS: TLS.certFile } : {});
  await gen.ready;
  const tokens = await target.tokens(IDLE);
  gc();
  const before = target.heapUsed();
  const { connected } = await gen.call<{ connected: number }>({ cmd: 'connect', url: target.url, tokens, batch: 500 });
  await new Promise((r) => setTimeout(r, 2000));
  gc();
  const after = target.heapUsed();
  await gen.call({ cmd: 'disconnect' });
  gen.stop();
  return connected ? (after - before) / connected / 1024 : NaN;
}

async function measure(target: Target) {
  console.log(`\n${target.name}`);
  const gen = new LoadGenerator(TLS ? { NODE_EXTRA_CA_CERTS: TLS.certFile } : {});
  await gen.ready;
  const tokens = await target.tokens(CLIENTS);
  const storm = await gen.call<{ connected: number; failed: number; ms: number }>({ cmd: 'connect', url: target.url, tokens, batch: CLIENTS });
  console.log(`  connect storm: ${storm.connected} in ${round(storm.ms)} ms`);
  if (LADDER_CONNECT !== 'connect') {
    await gen.call({ cmd: 'disconnect' });
    await gen.call({ cmd: LADDER_CONNECT, url: target.url, tokens, batch: CLIENTS });
  }
  await gen.call({ cmd: 'ladder', event: 'update_location', payload: PAYLOAD, rate: 2000, ms: 1500 }); // warm-up
  const steps = await ladder(gen, RATES);
  // Fan-out subscribers are console-side clients (crews may not join system:alerts).
  await gen.call({ cmd: 'disconnect' });
  await gen.call({ cmd: 'connect', url: target.url, tokens: await target.tokens(CLIENTS, 'supervisor'), batch: CLIENTS });
  const fan = await fanout(gen, target);
  await gen.call({ cmd: 'disconnect' });
  gen.stop();
  return { storm, steps, fan };
}

async function main() {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'switchboard-hubbench-'));
  console.log(`hub bench: ${CLIENTS} clients, rates ${RATES.join(', ')}/s for ${STEP_MS} ms, ${IDLE} idle connections`);

  const bare = await startBare(TLS);
  const bareRun = await measure(bare);
  const bareIdle = await idleHeap(bare);

  const hub = await startHub(dataDir, TLS);
  const hubRun = await measure(hub);
  const hubSustained = sustained(hubRun.steps);
  // Latency at 70% of the hub's own sustained rate, fresh generator and clients.
  const gen = new LoadGenerator(TLS ? { NODE_EXTRA_CA_CERTS: TLS.certFile } : {});
  await gen.ready;
  const reconnected = await gen.call<{ connected: number; failed: number; ms: number }>({ cmd: LADDER_CONNECT, url: hub.url, tokens: await hub.tokens(CLIENTS), batch: CLIENTS });
  console.log(`  70% step: ${reconnected.connected} clients connected, ${reconnected.failed} failed, in ${round(reconnected.ms)} ms`);
  const at70Rate = Math.round(hubSustained * 0.7);
  // Let the reconnect storm's log rows commit and the WAL settle, then warm the
  // new connections, so the figure is steady-state latency, not the storm's tail.
  await settleLog(hub.core);
  await gen.call({ cmd: 'ladder', event: 'update_location', payload: PAYLOAD, rate: Math.round(at70Rate / 2), ms: 1000 });
  // Longer than a ladder step: a p99 over 3 s is decided by one hiccup of either process.
  const [at70] = await ladder(gen, [at70Rate], AT70_MS);
  await gen.call({ cmd: 'disconnect' });
  gen.stop();
  const log = (hub.core.services as { log?: { flush(): Promise<void> } }).log;
  await log?.flush();
  const ackedTotal = hubRun.steps.reduce((n, s) => n + s.acked, 0) + (at70?.acked ?? 0);
  const logged = (hub.core.database.sqlite.prepare("SELECT COUNT(*) AS n FROM socket_logs WHERE event_type = 'update_location' AND status = 'success'").get() as { n: number }).n;
  const hubIdle = await idleHeap(hub);
  console.log(`\nboth servers in turn at ${PAIRED_RATES.join(', ')}/s (bare, hub, hub, bare)`);
  const paired = await pairedCpu({
    bare,
    hub,
    rates: PAIRED_RATES,
    clients: CLIENTS,
    connectCmd: LADDER_CONNECT,
    newGenerator: () => new LoadGenerator(TLS ? { NODE_EXTRA_CA_CERTS: TLS.certFile } : {}),
    rung: async (g, rate) => (await ladder(g, [rate]))[0]!,
    settle: () => settleLog(hub.core)
  });
  await hub.close();
  await bare.close();

  const bareFan = latencySummary(bareRun.fan);
  const hubFan = latencySummary(hubRun.fan);
  const bareCap = bareCapacity(bareRun.steps);
  const bareFloorNote = bareCap.limitedAt === null ? '' : ` (bare: generator-limited from ${bareCap.limitedAt}/s, so its figure is a floor and the ratio at most this)`;
  const rung = (s: LadderStep, bareSide: boolean) =>
    `${round(s.acked_per_sec)}, ${s.p50}/${s.p99}/${s.max}, ${round(s.cpu_us)}, ${round(s.server_cores)}/${round(s.generator_cores)}` +
    (bareSide ? (s.generator_limited ? ' generator-limited' : '') : s.generator_cores >= GENERATOR_SATURATED_CORES ? ' (generator saturated)' : '');
  // Rungs both servers were driven through and kept up with: CPU per event there is the
  // server's own cost, whoever won the cores at the moment.
  const common = hubRun.steps.filter((h) => {
    const b = bareRun.steps.find((x) => x.rate === h.rate);
    return b && h.kept_up && b.kept_up && !b.generator_limited && h.generator_cores < GENERATOR_SATURATED_CORES;
  });
  // On a machine too busy for any rung both kept up with, the lowest rung (both measured there) stands in, and the row says so.
  const compared = common.length > 0 ? common : hubRun.steps.slice(0, 1);
  const comparedOn = common.length > 0 ? `median of the ${common.length} rungs both kept up with` : `at ${compared[0]?.rate}/s: no rung both kept up with`;
  const hubCpu = median(compared.map((h) => h.cpu_us));
  const bareCpu = median(compared.map((h) => bareRun.steps.find((b) => b.rate === h.rate)?.cpu_us ?? NaN));
  const hubMain = median(compared.map((h) => h.main_us));
  const bareMain = median(compared.map((h) => bareRun.steps.find((b) => b.rate === h.rate)?.main_us ?? NaN));
  // At the rate its event loop saturates, what the hub's other threads (commit, checkpoint, GC helpers) need.
  const hubOtherCores = ((1e6 / hubMain) * (hubCpu - hubMain)) / 1e6;
  const maxCores = (steps: LadderStep[]) => round(Math.max(0, ...steps.map((s) => s.generator_cores)));
  const rows: BenchRow[] = [
    { metric: `connect+auth ${CLIENTS} clients (ms)`, value: round(hubRun.storm.ms), baseline: round(bareRun.storm.ms), target: '< 5000 ms', pass: hubRun.storm.ms < 5000 && hubRun.storm.connected === CLIENTS },
    {
      metric: `sustained acked update_location/s${bareFloorNote}`,
      value: round(hubSustained),
      baseline: round(bareCap.floor),
      ratio: bareCap.floor ? hubSustained / bareCap.floor : undefined,
      target: '>= 50% of bare',
      // Against a floor the ratio is only an upper bound: it cannot show the target met.
      pass: bareCap.limitedAt === null ? hubSustained >= 0.5 * bareCap.floor : hubSustained >= 0.5 * bareCap.floor ? undefined : false
    },
    {
      metric: `server CPU per acked event, all threads, us (${comparedOn})`,
      value: round(hubCpu),
      baseline: round(bareCpu),
      ratio: hubCpu / bareCpu
    },
    // What the throughput ratio would be if each server had the cores to itself and CPU were
    // its only limit: independent of the generator and of the machine's other load.
    { metric: 'CPU-bound throughput ratio (bare CPU per event / hub CPU per event): both servers squeezed onto one core', value: round(bareCpu / hubCpu, 3), target: '>= 0.5' },
    // Each server serves every socket on one event loop, so that thread is its ceiling once the
    // machine has a core beside it for the hub's commit thread and helpers (the next row checks it).
    {
      metric: `server main-thread CPU per acked event, us (${comparedOn})`,
      value: round(hubMain),
      baseline: round(bareMain),
      ratio: hubMain / bareMain
    },
    {
      metric: 'event-loop-bound throughput ratio (bare main-thread CPU per event / hub main-thread CPU per event): the capacity ratio on a server with a core to spare',
      value: round(bareMain / hubMain, 3),
      target: '>= 0.5',
      pass: bareMain / hubMain >= 0.5 && hubOtherCores < (os.cpus().length - 1)
    },
    {
      metric: `paired CPU ratio, all threads: bare/hub CPU per acked event, both servers measured in turn (bare, hub, hub, bare) at each rate, median over ${paired.over} rates${paired.allKeptUp ? '' : ' (not every rung kept up)'}`,
      value: round(paired.cpuRatio, 3),
      target: '>= 0.5',
      pass: paired.allKeptUp ? paired.cpuRatio >= 0.5 : undefined
    },
    { metric: 'paired main-thread ratio: bare/hub main-thread CPU per acked event, in turn as above, median', value: round(paired.mainRatio, 3), target: '>= 0.5' },
    ...paired.rates.map((r) => ({
      metric: `  in turn at ${r.rate}/s: CPU per acked event, all threads / main thread, us${r.keptUp ? '' : ' (a rung fell behind)'}`,
      value: `${round(r.hubCpu)} / ${round(r.hubMain)}`,
      baseline: `${round(r.bareCpu)} / ${round(r.bareMain)}`,
      ratio: r.hubCpu / r.bareCpu
    })),
    { metric: "hub's other threads at its event-loop ceiling (1e6 / main-thread us per event), cores", value: round(hubOtherCores, 2), target: `< ${os.cpus().length - 1} (the cores beside the event loop)` },
    { metric: 'load generator CPU, most cores used in a rung (1 = saturated: one JS thread)', value: maxCores(hubRun.steps), baseline: maxCores(bareRun.steps) },
    ...hubRun.steps.map((s, i) => ({
      metric: `  ladder ${s.rate}/s: acked/s, p50/p99/max ms, server CPU us/event, server/generator cores`,
      value: rung(s, false),
      baseline: bareRun.steps[i] ? rung(bareRun.steps[i]!, true) : ''
    })),
    // Kept for comparison with earlier results: what each acked event costs the server at a rate both sustain.
    ...[8000].flatMap((rate) => {
      const h = hubRun.steps.find((s) => s.rate === rate);
      const b = bareRun.steps.find((s) => s.rate === rate);
      return h && b ? [{ metric: `server CPU per acked event at ${rate}/s (all threads), us`, value: round(h.cpu_us), baseline: round(b.cpu_us), ratio: h.cpu_us / b.cpu_us }] : [];
    }),
    { metric: `ack p99 at 70% of sustained (${at70Rate}/s), ms`, value: at70?.p99 ?? NaN, target: '< 50 ms', pass: (at70?.p99 ?? Infinity) < 50 && (at70?.errors ?? 1) === 0 },
    { metric: 'acked events durably logged', value: `${logged}/${ackedTotal}`, target: 'all', pass: logged >= ackedTotal },
    { metric: `fan-out to ${CLIENTS}: p50/p99/max ms`, value: `${hubFan.p50}/${hubFan.p99}/${hubFan.max}`, baseline: `${bareFan.p50}/${bareFan.p99}/${bareFan.max}`, target: 'p99 < 100 ms', pass: hubFan.p99 < 100 && hubFan.count === CLIENTS * FANOUTS },
    { metric: `heap per idle connection (${IDLE}), KB`, value: round(hubIdle), baseline: round(bareIdle), target: '< 30 KB', pass: hubIdle < 30 }
  ];
  report(TLS ? 'hub-tls' : 'hub', {
    notes: NOTES,
    generator_saturated_cores: GENERATOR_SATURATED_CORES,
    achieved_margin: ACHIEVED_MARGIN,
    tls: TLS !== null, node_flags: process.execArgv.filter((a) => a.startsWith('--max-semi')).join(' '), clients: CLIENTS, idle: IDLE, rates: RATES, step_ms: STEP_MS, at70_ms: AT70_MS, fanouts: FANOUTS, paired_rates: PAIRED_RATES, ladder_clients: LADDER_CONNECT === 'connect' ? 'socket.io-client' : 'wire protocol (rawClient.ts)', fanout_p95: percentile(hubRun.fan, 95) }, rows);
  fs.rmSync(dataDir, { recursive: true, force: true });
  process.exit(0);
}

/**
 * Both servers run in this process with the V8 young-generation size the product
 * starts the hub with (`npm run serve`, `npm start`, `npm run demo`): the flag only
 * works on the command line, so the bench restarts itself with it when missing.
 */
const HUB_V8_FLAG = '--max-semi-space-size=64';
if (!process.execArgv.some((a) => a.startsWith('--max-semi-space-size'))) {
  const child = spawn(process.execPath, [HUB_V8_FLAG, ...process.execArgv, ...process.argv.slice(1)], { stdio: 'inherit' });
  child.on('exit', (code) => process.exit(code ?? 1));
} else {
  void main().catch((err) => {
    console.error(err);
    process.exit(1);
  });
}
