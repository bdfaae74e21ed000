import { report, round } from '../lib/report';
import { arg, openBenchPage, sleep, startBenchEnv, type BenchEnv, type BenchPage } from './harness';

/**
 * The audit explorer's virtualised table scrolled through 100,000 rows (wheel
 * scrolling and jumps), watching for long tasks; the baseline is the same table
 * with 1,000 rows, so the ratio shows whether row count costs anything.
 * Run: npx tsx bench/console/table.bench.ts [--rows=100000]
 */
async function scrollRun(env: BenchEnv, rows: number) {
  const page = await openBenchPage(env, `bench=table&rows=${rows}`);
  await sleep(500);
  const body = page.getByTestId('vt-body');
  const box = (await body.boundingBox())!;
  await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
  await page.evaluate(() => ((globalThis as unknown as BenchPage).__bench!.longTasks!.length = 0));
  const frames = page.evaluate(() => (globalThis as unknown as BenchPage).__bench!.measureFrames(9000));
  const started = Date.now();
  // Steady wheel scrolling, like reading down the log...
  while (Date.now() - started < 5000) {
    await page.mouse.wheel(0, 900);
    await sleep(16);
  }
  // ...then jumps to far parts of it, like dragging the scrollbar.
  for (let i = 0; i < 40; i += 1) {
    await page.evaluate((top) => (globalThis as unknown as BenchPage).__bench!.scrollTo!(top), Math.floor(Math.random() * rows * 30));
    await sleep(60);
  }
  const f = await frames;
  const longTasks = await page.evaluate(() => [...(globalThis as unknown as BenchPage).__bench!.longTasks!]);
  const scrolled = await page.evaluate(() => (globalThis as unknown as BenchPage).document.querySelector('[data-testid="vt-body"]')!.scrollTop);
  await page.context().close();
  return { fps: f.fps, longTasks, worstFrameMs: f.worstFrameMs, scrolled };
}

async function main() {
  const rows = arg('rows', 100_000);
  const env = await startBenchEnv();
  try {
    const big = await scrollRun(env, rows);
    const small = await scrollRun(env, 1000);
    const worstBig = big.longTasks.length ? Math.max(...big.longTasks) : 0;
    const worstSmall = small.longTasks.length ? Math.max(...small.longTasks) : 0;
    report('console-audit-table', { rows, row_height_px: 30, viewport_rows: 23 }, [
      { metric: `long tasks > 50 ms while scrolling ${rows} rows`, value: big.longTasks.filter((d) => d > 50).length, baseline: small.longTasks.filter((d) => d > 50).length, target: '0', pass: big.longTasks.filter((d) => d > 50).length === 0 },
      { metric: 'longest task ms', value: round(worstBig, 1), baseline: round(worstSmall, 1), target: '<= 50', pass: worstBig <= 50 },
      { metric: 'frames/s while scrolling', value: round(big.fps, 1), baseline: round(small.fps, 1), ratio: big.fps / small.fps },
      { metric: 'worst frame ms', value: round(big.worstFrameMs, 1), baseline: round(small.worstFrameMs, 1) }
    ]);
  } finally {
    await env.close();
  }
}

void main().catch((err) => {
  console.error(err);
  process.exit(1);
});
