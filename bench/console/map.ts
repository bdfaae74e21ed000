import { report, round } from '../lib/report';
import { arg, openBenchPage, sleep, startBenchEnv } from './harness';

/**
 * 2,000 units each reporting once per second, drawn by the console's WebGL unit
 * layer, against the naive baseline (one React component + DOM marker per unit),
 * in the same run. Run: npx tsx bench/console/map.ts [--units=2000 --seconds=10]
 */
async function main() {
  const units = arg('units', 2000);
  const seconds = arg('seconds', 10);
  const env = await startBenchEnv();
  try {
    const results: Record<string, Awaited<ReturnType<NonNullable<Window['__bench']>['measureFrames']>>> = {};
    for (const impl of ['layer', 'naive'] as const) {
      const page = await openBenchPage(env, `bench=map&impl=${impl}&units=${units}`);
      await sleep(3000); // warm-up: tiles, shaders, first full second of movement
      results[impl] = await page.evaluate((ms) => window.__bench!.measureFrames(ms), seconds * 1000);
      await page.context().close();
    }
    const layer = results.layer!;
    const naive = results.naive!;
    report('console-map', { units, seconds, updates_per_unit_per_second: 1 }, [
      { metric: `frames/s with ${units} moving units`, value: round(layer.fps, 1), baseline: round(naive.fps, 1), ratio: layer.fps / naive.fps, target: '>= 30', pass: layer.fps >= 30 },
      { metric: 'map layer redraws/s', value: round(layer.layerFps ?? 0, 1), target: 'smooth glide' },
      { metric: 'frames over 50 ms', value: layer.longFrames, baseline: naive.longFrames },
      { metric: 'worst frame (ms)', value: round(layer.worstFrameMs, 1), baseline: round(naive.worstFrameMs, 1) }
    ]);
  } finally {
    await env.close();
  }
}

void main().catch((err) => {
  console.error(err);
  process.exit(1);
});
