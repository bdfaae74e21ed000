import { latencySummary, report, round } from '../lib/report';
import { arg, openBenchPage, sleep, startBenchEnv, type BenchEnv, type BenchPage } from './harness';
import { endToEnd } from './liveLoad';

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
