/**
 * Playing a replay at 60x in the real console (built, served by `switchboard
 * serve`, in headless Chromium): a log of 2,000 CAD units moving at the
 * density of the 10M-rows-over-30-days benchmark, replayed from a moment at
 * 60x, its map's frames counted with requestAnimationFrame while the player
 * fetches and applies the changes. Also reported: how far the replayed moment
 * moved per real second (60x means 60 s), the load average and the CPU time of
 * this process and of the server.
 *   npx tsx bench/replay/play.bench.ts   (env: BENCH_UNITS=2000, BENCH_SECONDS=10, BENCH_MINUTES=90)
 * BENCH_TRACE=file.json records a Chromium performance trace of the measured
 * interval and prints where the page's main thread spent it.
 */
import os from 'node:os';
import type { Page } from 'playwright-core';
import { loadLogKeys } from '../../src/main/core/log/store/chain';
import { addOperator, ensureBuilt, launchBrowser, openPage, openView, signIn, startServer, tempDataDir } from '../../test/helpers/browser';
import { arg, BENCH_PASSWORD, sleep, type FrameStats } from '../console/harness';
import { report, round } from '../lib/report';
import { startPageTrace } from '../console/profile';
import { buildReplayFixture } from './fixture';

/** The 10M-rows-over-30-days benchmark's rows per second. */
const ROWS_PER_SECOND = 10_000_000 / (30 * 86_400);

/** The page's globals these functions use (benchmarks are type-checked without the DOM lib). */
interface Debug {
  __switchboardDebug: { replay(): { at: number; units: unknown[] } };
  localStorage: { setItem(key: string, value: string): void };
}

const localInput = (ms: number) => new Date(ms - new Date(ms).getTimezoneOffset() * 60_000).toISOString().slice(0, 23).replace(/\.?0+$/, '');

/**
 * Counts animation frames for `ms` in the page (as the console benches' window.__bench does). Given as
 * source text: tsx names inner functions with a helper the page does not have.
 */
const measureFrames = (page: Page, ms: number) =>
  page.evaluate(`new Promise((resolve) => {
    const start = performance.now();
    let last = start, frames = 0, longFrames = 0, worst = 0;
    const gaps = [];
    function tick(t) {
      frames += 1;
      gaps.push(t - last);
      worst = Math.max(worst, t - last);
      if (t - last > 50) longFrames += 1;
      last = t;
      if (t - start < ${Number(ms)}) requestAnimationFrame(tick);
      else {
        gaps.sort((a, b) => a - b);
        resolve({ fps: frames / ((t - start) / 1000), frames, longFrames, worstFrameMs: worst, layerFps: null, medianFrameMs: gaps[Math.floor(gaps.length / 2)], p95FrameMs: gaps[Math.floor(gaps.length * 0.95)] });
      }
    }
    requestAnimationFrame(tick);
  })`) as Promise<FrameStats & { medianFrameMs: number; p95FrameMs: number }>;

const replayAt = (page: Page) => page.evaluate(() => (globalThis as unknown as Debug).__switchboardDebug.replay().at);

async function main() {
  const units = arg('units', 2000);
  const seconds = arg('seconds', 10);
  const minutes = arg('minutes', 90);
  ensureBuilt();
  const dataDir = tempDataDir('switchboard-bench-replay-play-');
  const rows = Math.round(minutes * 60 * ROWS_PER_SECOND);
  const fx = await buildReplayFixture({ rows, days: minutes / 1440, units, keyframeSeconds: 60, keys: loadLogKeys(dataDir), dataDir });
  addOperator(dataDir, 'bench', BENCH_PASSWORD, 'admin');
  const server = await startServer('serve', [], dataDir);
  const browser = await launchBrowser();
  try {
    const watched = await openPage(browser, server.url);
    const { page } = watched;
    await page.addInitScript(() => (globalThis as unknown as Debug).localStorage.setItem('switchboard.debug', '1'));
    await page.reload();
    await signIn(page, 'bench', BENCH_PASSWORD);
    await openView(page, 'replay');
    const from = fx.start + 5 * 60_000;
    await page.getByTestId('replay-moment').fill(localInput(from));
    await page.getByTestId('replay-go').click();
    await page.waitForFunction(([want, n]) => {
      const r = (globalThis as unknown as Debug).__switchboardDebug.replay();
      return r.at === want && r.units.length === n;
    }, [from, units] as const, { timeout: 120_000 });
    await page.getByTestId('replay-speed').selectOption('60');
    await page.getByTestId('replay-play').click();
    await sleep(3000); // warm-up: the first ranges fetched, the map's sprites drawn
    const trace = process.env.BENCH_TRACE ? await startPageTrace(page) : null;
    const load = os.loadavg();
    const cpu0 = process.cpuUsage();
    const at0 = await replayAt(page);
    const t0 = performance.now();
    await page.evaluate(() => performance.mark('bench:play-start'));
    const frames = await measureFrames(page, seconds * 1000);
    await page.evaluate(() => performance.mark('bench:play-end'));
    if (trace) console.log(await trace.stop(process.env.BENCH_TRACE!, 'bench:play-start', 'bench:play-end'));
    const played = ((await replayAt(page)) - at0) / 1000 / ((performance.now() - t0) / 1000);
    const cpu = process.cpuUsage(cpu0);
    report(
      'replay-play',
      { units, rows, minutes_of_log: minutes, rows_per_second_of_log: round(ROWS_PER_SECOND, 2), speed: 60, seconds, viewport: '1600x960', load_average: load.map((l) => round(l)), command: 'npx tsx bench/replay/play.bench.ts' },
      [
        { metric: `frames/s, replay map playing at 60x, ${units} units`, value: round(frames.fps, 1), target: '>= 30', pass: frames.fps >= 30 },
        { metric: 'frames over 50 ms', value: frames.longFrames },
        { metric: 'worst frame ms', value: round(frames.worstFrameMs, 1) },
        { metric: 'median frame ms (p95 as baseline column)', value: round(frames.medianFrameMs, 1), baseline: round(frames.p95FrameMs, 1) },
        { metric: 'replayed seconds per real second (60x asked)', value: round(played, 1) },
        { metric: 'bench process CPU ms during the measurement (the browser and server are separate processes)', value: round((cpu.user + cpu.system) / 1000) }
      ]
    );
  } finally {
    await browser.close();
    await server.stop();
  }
}

void main().catch((err) => {
  console.error(err);
  process.exit(1);
});
