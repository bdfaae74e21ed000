import { median, report, round } from '../lib/report';
import { arg, sessionToken, startBenchEnv, type BenchEnv, type BenchPage } from './harness';

/**
 * Initial load: from navigation to an interactive dispatch map (style, sources
 * and unit overlay ready; `performance.mark('switchboard:map-interactive')`),
 * for a workstation that resumes its session, cold (fresh profile) and warm
 * (reload). Baseline: the same page's first paint of the sign-in form.
 * Run: npx tsx bench/console/load.bench.ts [--runs=5]
 */
async function loadOnce(env: BenchEnv, token: string | null, reloads = 0): Promise<{ mapMs: number | null; formMs: number | null; fcpMs: number }> {
  const context = await env.browser.newContext({ viewport: { width: 1600, height: 960 } });
  if (token) await context.addInitScript((t) => {
    (globalThis as unknown as BenchPage).sessionStorage.setItem('switchboard.session', t);
    (globalThis as unknown as BenchPage).sessionStorage.setItem('switchboard.operator', JSON.stringify({ username: 'bench', role: 'admin' }));
  }, token);
  const page = await context.newPage();
  await page.goto(env.server.url + '/#/map');
  for (let i = 0; i < reloads; i += 1) await page.reload();
  let mapMs: number | null = null;
  let formMs: number | null = null;
  if (token) {
    await page.locator('[data-map-ready="1"]').waitFor({ timeout: 60_000 });
    mapMs = await page.evaluate(() => (globalThis as unknown as BenchPage).performance.getEntriesByName('switchboard:map-interactive')[0]?.startTime ?? -1);
  } else {
    await page.getByRole('button', { name: 'Sign in' }).waitFor();
    formMs = await page.evaluate(() => (globalThis as unknown as BenchPage).performance.now());
  }
  const fcpMs = await page.evaluate(() => (globalThis as unknown as BenchPage).performance.getEntriesByName('first-contentful-paint')[0]?.startTime ?? -1);
  await context.close();
  return { mapMs, formMs, fcpMs };
}


async function main() {
  const runs = arg('runs', 5);
  const env = await startBenchEnv();
  try {
    const token = await sessionToken(env.server.url);
    const cold: number[] = [];
    const warm: number[] = [];
    const form: number[] = [];
    for (let i = 0; i < runs; i += 1) {
      cold.push((await loadOnce(env, token)).mapMs!);
      warm.push((await loadOnce(env, token, 1)).mapMs!);
      form.push((await loadOnce(env, null)).formMs!);
    }
    report('console-initial-load', { runs, viewport: '1600x960', served_by: 'switchboard serve (loopback)' }, [
      { metric: 'navigation -> interactive map, cold (median ms)', value: round(median(cold)), baseline: round(median(form)), ratio: median(cold) / median(form), target: '< 2000', pass: median(cold) < 2000 },
      { metric: 'navigation -> interactive map, cold (worst ms)', value: round(Math.max(...cold)), target: '< 2000', pass: Math.max(...cold) < 2000 },
      { metric: 'navigation -> interactive map, reload (median ms)', value: round(median(warm)) },
      { metric: 'navigation -> sign-in form (median ms)', value: round(median(form)) }
    ]);
  } finally {
    await env.close();
  }
}

void main().catch((err) => {
  console.error(err);
  process.exit(1);
});
