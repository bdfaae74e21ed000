import { report, round } from '../lib/report';
import { arg, openBenchPage, sleep, startBenchEnv, type BenchEnv, type BenchPage, type FrameStats } from './harness';

/**
 * The combined dispatch screen as a busy shift sees it: 2,000 units each
 * reporting once a second, call signs beside every one of them at every zoom
 * (the worst case: the console shows them only from zoom 12.5), and a
 * 200-call queue (half pending, half active) whose timers tick every second;
 * at 1600x960 and 1280x720.
 * Run: npx tsx bench/console/dispatch.bench.ts [--units=2000 --incidents=200 --seconds=10]
 */
async function measure(env: BenchEnv, units: number, incidents: number, viewport: { width: number; height: number }, seconds: number): Promise<FrameStats> {
  const page = await openBenchPage(env, `bench=dispatch&units=${units}&incidents=${incidents}&labels=always`, viewport);
  await sleep(3000); // warm-up: shaders, sprites, label bitmaps, the first second of movement
  const result = await page.evaluate((ms) => (globalThis as unknown as BenchPage).__bench!.measureFrames(ms), seconds * 1000);
  await page.context().close();
  return result;
}

async function main() {
  const units = arg('units', 2000);
  const incidents = arg('incidents', 200);
  const seconds = arg('seconds', 10);
  const env = await startBenchEnv();
  try {
    const large = await measure(env, units, incidents, { width: 1600, height: 960 }, seconds);
    const small = await measure(env, units, incidents, { width: 1280, height: 720 }, seconds);
    report('console-dispatch', { units, incidents, seconds, labels: 'always', updates_per_unit_per_second: 1 }, [
      { metric: `frames/s, dispatch screen 1600x960, ${units} units labelled, ${incidents} calls`, value: round(large.fps, 1), target: '>= 30', pass: large.fps >= 30 },
      { metric: 'unit overlay repaints/s, 1600x960', value: round(large.layerFps ?? 0, 1) },
      { metric: 'frames over 50 ms, 1600x960', value: large.longFrames },
      { metric: 'worst frame ms, 1600x960', value: round(large.worstFrameMs, 1) },
      { metric: `frames/s, dispatch screen 1280x720`, value: round(small.fps, 1), target: '>= 30', pass: small.fps >= 30 },
      { metric: 'worst frame ms, 1280x720', value: round(small.worstFrameMs, 1) }
    ]);
  } finally {
    await env.close();
  }
}

void main().catch((err) => {
  console.error(err);
  process.exit(1);
});
