import { report, round } from '../lib/report';
import { arg, openBenchPage, sleep, startBenchEnv, type BenchEnv, type BenchPage, type FrameStats } from './harness';

/**
 * 2,000 units each reporting once per second, drawn by the console's unit
 * overlay, against the naive baseline (one React component + DOM marker per
 * unit, each gliding on its own), in the same run; at city zoom (the dispatch
 * view) and zoomed in, where every unit moves several pixels a second.
 * Run: npx tsx bench/console/map.bench.ts [--units=2000 --seconds=10]
 */
type Frames = FrameStats;

async function measure(env: BenchEnv, impl: 'layer' | 'naive', units: number, zoom: number, seconds: number): Promise<Frames> {
  const page = await openBenchPage(env, `bench=map&impl=${impl}&units=${units}&zoom=${zoom}`);
  await sleep(3000); // warm-up: shaders, sprites, the first full second of movement
  const result = await page.evaluate((ms) => (globalThis as unknown as BenchPage).__bench!.measureFrames(ms), seconds * 1000);
  await page.context().close();
  return result;
}

async function main() {
  const units = arg('units', 2000);
  const seconds = arg('seconds', 10);
  const env = await startBenchEnv();
  try {
    const layer = await measure(env, 'layer', units, 11.3, seconds);
    const naive = await measure(env, 'naive', units, 11.3, seconds);
    const layerClose = await measure(env, 'layer', units, 14, seconds);
    report('console-map', { units, seconds, updates_per_unit_per_second: 1, viewport: '1600x960', baseline: 'one React component + maplibre DOM marker per unit' }, [
      { metric: `frames/s, ${units} moving units, city zoom`, value: round(layer.fps, 1), baseline: round(naive.fps, 1), ratio: layer.fps / naive.fps, target: '>= 30', pass: layer.fps >= 30 },
      { metric: 'unit overlay repaints/s, city zoom', value: round(layer.layerFps ?? 0, 1), target: 'only on visible motion' },
      { metric: 'frames over 50 ms, city zoom', value: layer.longFrames, baseline: naive.longFrames },
      { metric: 'worst frame ms, city zoom', value: round(layer.worstFrameMs, 1), baseline: round(naive.worstFrameMs, 1) },
      { metric: `frames/s, ${units} units, zoom 14`, value: round(layerClose.fps, 1), target: '>= 30', pass: layerClose.fps >= 30 },
      { metric: 'unit overlay repaints/s, zoom 14', value: round(layerClose.layerFps ?? 0, 1) }
    ]);
  } finally {
    await env.close();
  }
}

void main().catch((err) => {
  console.error(err);
  process.exit(1);
});
