import { spawnSync } from 'node:child_process';
import { io, type Socket } from 'socket.io-client';
import { CLI } from '../../test/helpers/browser';
import { latencySummary, report, round } from '../lib/report';
import { arg, openBenchPage, sessionToken, sleep, startBenchEnv, type BenchEnv, type BenchPage } from './harness';

/**
 * Event to screen: how long from a unit report to the console having it in its
 * store and painted.
 *  1. in the page, at ?rate= events/s through the console's own transport path
 *     (parse, frame batching, store, map + board), against a baseline that
 *     updates the store once per event;
 *  2. end to end: crews connected to the hub as separate Socket.IO clients send
 *     update_location at the same total rate; the signed-in console (map view)
 *     measures paint time minus the crew's own timestamp (same machine clock).
 * Run: npx tsx bench/console/events.bench.ts [--rate=1000 --seconds=10 --crews=50]
 */

async function inPage(env: BenchEnv, rate: number, seconds: number, batch: 'on' | 'off') {
  const page = await openBenchPage(env, `bench=events&rate=${rate}&batch=${batch}`);
  await sleep(2000);
  const sentBefore = await page.evaluate(() => {
    (globalThis as unknown as BenchPage).__bench!.latencies!.length = 0;
    return (globalThis as unknown as BenchPage).__bench!.eventsSent!;
  });
  await sleep(seconds * 1000);
  const result = await page.evaluate(() => ({ latencies: [...(globalThis as unknown as BenchPage).__bench!.latencies!], sent: (globalThis as unknown as BenchPage).__bench!.eventsSent! }));
  await page.context().close();
  return { ...latencySummary(result.latencies), sentPerSecond: (result.sent - sentBefore) / seconds };
}

function crewToken(dataDir: string, unit: string): string {
  const out = spawnSync(process.execPath, [CLI, 'token', '--role', 'crew', '--sub', `crew-${unit}`, '--unit-id', unit, '--data-dir', dataDir], { encoding: 'utf8' });
  if (out.status !== 0) throw new Error(out.stderr);
  return out.stdout.trim().split('\n').pop()!.trim();
}

async function endToEnd(env: BenchEnv, rate: number, seconds: number, crews: number) {
  const token = await sessionToken(env.server.url);
  const context = await env.browser.newContext({ viewport: { width: 1600, height: 960 } });
  await context.addInitScript((t) => (globalThis as unknown as BenchPage).sessionStorage.setItem('switchboard.session', t), token);
  const page = await context.newPage();
  await page.goto(`${env.server.url}/?bench=live#/map`);
  await page.locator('[data-map-ready="1"]').waitFor({ timeout: 60_000 });
  const sockets: Socket[] = [];
  for (let i = 0; i < crews; i += 1) {
    const socket = io(env.server.url, { transports: ['websocket'], auth: { token: crewToken(env.server.dataDir, `B${i}`) } });
    sockets.push(socket);
  }
  await Promise.all(sockets.map((s) => (s.connected ? Promise.resolve() : new Promise((r) => s.once('connect', () => r(null))))));
  let acked = 0;
  let refused = 0;
  const perCrewInterval = (1000 * crews) / rate;
  const positions = sockets.map((_, i) => ({ lat: 47.55 + (i % 10) * 0.015, lon: -122.38 + Math.floor(i / 10) * 0.02 }));
  const send = (i: number) => {
    const p = positions[i]!;
    p.lat += 0.00005;
    sockets[i]!.emit('update_location', { latitude: p.lat, longitude: p.lon, heading: 0, status: 'en_route', timestamp: new Date().toISOString() }, (ack: { ok: boolean }) => (ack?.ok ? (acked += 1) : (refused += 1)));
  };
  const timers = sockets.map((_, i) => setTimeout(() => timers.push(setInterval(() => send(i), perCrewInterval) as unknown as NodeJS.Timeout), (i * perCrewInterval) / crews));
  await sleep(2000);
  await page.evaluate(() => ((globalThis as unknown as BenchPage).__bench!.latencies!.length = 0));
  const ackedBefore = acked;
  await sleep(seconds * 1000);
  const latencies = await page.evaluate(() => [...(globalThis as unknown as BenchPage).__bench!.latencies!]);
  const ackedRate = (acked - ackedBefore) / seconds;
  timers.forEach((t) => clearInterval(t));
  sockets.forEach((s) => s.disconnect());
  await context.close();
  return { ...latencySummary(latencies), ackedPerSecond: ackedRate, refused };
}

async function main() {
  const rate = arg('rate', 1000);
  const seconds = arg('seconds', 10);
  const crews = arg('crews', 50);
  const env = await startBenchEnv();
  try {
    const batched = await inPage(env, rate, seconds, 'on');
    const unbatched = await inPage(env, rate, seconds, 'off');
    const live = await endToEnd(env, rate, seconds, crews);
    report('console-event-to-screen', { rate, seconds, crews }, [
      { metric: `in-page p95 ms at ${round(batched.sentPerSecond)} ev/s (batched per frame)`, value: batched.p95, baseline: unbatched.p95, ratio: batched.p95 / unbatched.p95, target: '< 250', pass: batched.p95 < 250 },
      { metric: 'in-page p50 ms', value: batched.p50, baseline: unbatched.p50 },
      { metric: 'in-page p99 ms', value: batched.p99, baseline: unbatched.p99 },
      { metric: 'in-page events measured', value: batched.count, baseline: unbatched.count },
      { metric: `device->hub->console p95 ms at ${round(live.ackedPerSecond)} acked ev/s`, value: live.p95, target: '< 250', pass: live.p95 < 250 },
      { metric: 'device->hub->console p50 ms', value: live.p50 },
      { metric: 'device->hub->console p99 ms', value: live.p99 },
      { metric: 'device->hub->console updates measured', value: live.count },
      { metric: 'events refused by the hub', value: live.refused }
    ]);
  } finally {
    await env.close();
  }
}

void main().catch((err) => {
  console.error(err);
  process.exit(1);
});
