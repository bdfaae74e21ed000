/**
 * What keyframes cost the hub, measured in one run: the same hub (2,000 units
 * in its dispatch picture, CLIENTS crews sending acked `update_location`) with
 * keyframes every KEYFRAME_S seconds and with keyframes off (once an hour),
 * alternated ROUNDS times so the machine's drift falls on both. Reported: server
 * CPU per acked event and acked events/s at a fixed offered rate, the event
 * loop's delays while loaded (the stall a keyframe would cause shows in its
 * max), and the time one keyframe takes on the event loop (taking the picture;
 * deflating it runs on libuv's pool). Keyframes every second are 60 times the
 * default: the cost at the default is that figure divided by 60.
 *   npx tsx bench/replay/keyframeCost.bench.ts   (env: CLIENTS=500, RATE=6000, STEP_MS=8000, ROUNDS=3, KEYFRAME_S=1, UNITS=2000)
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { PassThrough } from 'node:stream';
import type { Unit } from '../../src/shared/cad';
import { createCore } from '../../src/main/core/createCore';
import { median, report, round } from '../lib/report';
import { LoadGenerator } from '../hub/loadGenerator';

const CLIENTS = Number(process.env.CLIENTS ?? 500);
const RATE = Number(process.env.RATE ?? 6000);
const STEP_MS = Number(process.env.STEP_MS ?? 8000);
const ROUNDS = Number(process.env.ROUNDS ?? 3);
const KEYFRAME_S = Number(process.env.KEYFRAME_S ?? 1);
const UNITS = Number(process.env.UNITS ?? 2000);
const PAYLOAD = { latitude: 47.6062, longitude: -122.3321, heading: 90, speed_kmh: 42, status: 'en_route', accuracy_m: 5 };

interface Step {
  acked: number;
  offered: number;
  errors: number;
  acked_per_sec: number;
  p99: number;
}

const units = (): Unit[] =>
  Array.from({ length: UNITS }, (_, i) => ({ id: `U${i}`, call_sign: `Medic ${i}`, unit_type: 'ALS', status: 'available', location: { lat: 47.5 + (i % 50) / 250, lon: -122.4 + Math.floor(i / 50) / 250 }, heading: 0, speed: 0, incident_id: null, last_report: new Date().toISOString() }));

async function measure(gen: LoadGenerator, keyframes: boolean) {
  const sink = new PassThrough();
  sink.resume();
  const core = await createCore(
    {
      host: '127.0.0.1',
      port: 0,
      dataDir: fs.mkdtempSync(path.join(os.tmpdir(), 'switchboard-bench-kf-')),
      logLevel: 'warn',
      hub: { ratePerSecond: 1000, burst: 2000 },
      security: { maxConnectionsPerAddress: 1_000_000 },
      replay: { keyframeIntervalSeconds: keyframes ? KEYFRAME_S : 3600 }
    },
    { logDestination: sink }
  );
  core.services.dispatch.replace({ units: units(), incidents: [], epoch: 'bench', seq: 0, at: new Date().toISOString() });
  // One keyframe's picture timed on its own, warm (median of 5): what it holds the event loop for. Deflating
  // runs on libuv's pool and the commit on the commit thread; queueing its few rows is in the loop delays below.
  const pictureMs: number[] = [];
  for (let i = 0; i < 5; i++) {
    const t = performance.now();
    core.services.replay.keyframes.pictureJson('periodic');
    pictureMs.push(performance.now() - t);
  }
  const oneKeyframeMs = [...pictureMs].sort((a, b) => a - b)[2]!;
  await core.services.replay.keyframes.write('periodic');
  const tokens: string[] = [];
  for (let i = 0; i < CLIENTS; i++) tokens.push((await core.tokens.sign({ sub: `crew-${i}`, role: 'crew', unit_id: `U${i}` }, 3600)).token);
  await gen.call({ cmd: 'connectRaw', url: core.url, tokens, batch: CLIENTS });
  await gen.call({ cmd: 'ladder', event: 'update_location', payload: PAYLOAD, rate: 2000, ms: 1500 });
  const cpu0 = process.cpuUsage();
  const loop = monitorEventLoopDelay({ resolution: 5 });
  loop.enable();
  const step = await gen.call<Step>({ cmd: 'ladder', event: 'update_location', payload: PAYLOAD, rate: RATE, ms: STEP_MS });
  loop.disable();
  const cpu = process.cpuUsage(cpu0);
  const keyframeRows = (core.database.sqlite.prepare("SELECT count(*) AS n FROM socket_logs WHERE event_type = 'replay:keyframe'").get() as { n: number }).n;
  await gen.call({ cmd: 'disconnect' });
  await core.close();
  return { cpuUs: (cpu.user + cpu.system) / Math.max(1, step.acked), step, oneKeyframeMs, keyframeRows, loopMaxMs: loop.max / 1e6, loopP99Ms: loop.percentile(99) / 1e6 };
}

async function main() {
  const gen = new LoadGenerator();
  await gen.ready;
  const on: Array<Awaited<ReturnType<typeof measure>>> = [];
  const off: Array<Awaited<ReturnType<typeof measure>>> = [];
  for (let r = 0; r < ROUNDS; r++) {
    for (const keyframes of r % 2 ? [true, false] : [false, true]) {
      const m = await measure(gen, keyframes);
      (keyframes ? on : off).push(m);
      console.log(`round ${r + 1} keyframes ${keyframes ? 'on ' : 'off'}: ${round(m.step.acked_per_sec)}/s acked, p99 ${m.step.p99} ms, ${round(m.cpuUs)} us CPU/event, loop delay max ${round(m.loopMaxMs)} ms, ${m.keyframeRows} keyframe rows`);
    }
  }
  gen.stop();
  const cpuOn = median(on.map((m) => m.cpuUs));
  const cpuOff = median(off.map((m) => m.cpuUs));
  const rateOn = median(on.map((m) => m.step.acked_per_sec));
  const rateOff = median(off.map((m) => m.step.acked_per_sec));
  const kfMs = median(on.map((m) => m.oneKeyframeMs));
  const loopMaxOn = median(on.map((m) => m.loopMaxMs));
  const loopMaxOff = median(off.map((m) => m.loopMaxMs));
  const loopP99On = median(on.map((m) => m.loopP99Ms));
  const loopP99Off = median(off.map((m) => m.loopP99Ms));
  const overheadAt = (seconds: number) => (kfMs / (seconds * 1000)) * 100;
  report(
    'replay-keyframe-cost',
    { clients: CLIENTS, rate: RATE, step_ms: STEP_MS, rounds: ROUNDS, keyframe_seconds: KEYFRAME_S, units: UNITS, load_average: os.loadavg().map((l) => round(l)), command: 'npx tsx bench/replay/keyframeCost.bench.ts' },
    [
      { metric: `server CPU us per acked event, keyframes every ${KEYFRAME_S} s (vs off)`, value: round(cpuOn), baseline: round(cpuOff), ratio: cpuOn / cpuOff },
      { metric: `acked events/s at ${RATE}/s offered (vs off)`, value: round(rateOn), baseline: round(rateOff), ratio: rateOn / rateOff },
      { metric: `event loop delay max ms while loaded, keyframes every ${KEYFRAME_S} s (vs off)`, value: round(loopMaxOn), baseline: round(loopMaxOff) },
      { metric: 'event loop delay p99 ms while loaded (vs off)', value: round(loopP99On), baseline: round(loopP99Off) },
      { metric: `one keyframe's picture of ${UNITS} units, ms on the main thread (warm)`, value: round(kfMs) },
      { metric: 'keyframe share of the main thread at the default 60 s, %', value: round(overheadAt(60), 3), target: '< 1%', pass: overheadAt(60) < 1 },
      { metric: `keyframe share of the main thread every ${KEYFRAME_S} s, %`, value: round(overheadAt(KEYFRAME_S), 2) }
    ]
  );
}

void main();
