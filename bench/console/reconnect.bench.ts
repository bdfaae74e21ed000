import { createCadSimulator } from '../../src/main/cadsim/cadSimulator';
import { addOperator, ensureBuilt, launchBrowser, startServer, tempDataDir, type RunningServer } from '../../test/helpers/browser';
import { report, round } from '../lib/report';
import { arg, BENCH_PASSWORD, sessionToken, type BenchPage } from './harness';
import { startPageTrace } from './profile';

/**
 * Reload after a reconnect: a console signed in on the board, with 2,000 CAD
 * units and 500 open incidents, loses its core (kill -9) and gets it back
 * (restarted on the same port and data directory). From the moment the
 * console hears the new core (`switchboard:resync-start`) to the frame after
 * it has thrown its picture away and reloaded units, incidents, alerts and
 * health (`switchboard:resync-loaded`). No same-run baseline: the figure
 * stands against the target (< 1 s), and each run checks the reloaded
 * picture was complete (every unit and incident) when the mark was taken.
 * Run: npx tsx bench/console/reconnect.bench.ts [--runs=3 --units=2000 --incidents=500]
 * (BENCH_VIEW=alerts keeps the board, which draws every row, out of the figure;
 * BENCH_TRACE=file.json records a Chromium performance trace of the first reload
 * and prints where its time went)
 */

const TOKEN = 'bench-cad-token-51c0a7';

interface ReloadPage extends BenchPage {
  __switchboardDebug: { units(): unknown[]; incidents(): unknown[] };
  localStorage: { setItem(key: string, value: string): void };
  performance: BenchPage['performance'] & { clearMarks(): void };
}

async function bridgeHealthy(url: string): Promise<void> {
  for (const deadline = Date.now() + 60_000; Date.now() < deadline; await new Promise((r) => setTimeout(r, 50))) {
    const health = (await (await fetch(`${url}/api/socket-bridge/health`)).json()) as { status?: string };
    if (health.status === 'healthy') return;
  }
  throw new Error('the restarted core never got back in sync with the CAD');
}

async function main() {
  const runs = arg('runs', 3);
  const units = arg('units', 2000);
  const incidents = arg('incidents', 500);
  ensureBuilt();
  const cad = await createCadSimulator({ token: TOKEN, tickMs: 0, units, incidentsPerMinute: 0, autoDispatch: false });
  for (let i = 0; i < incidents; i += 1) cad.world.createIncident();
  const dataDir = tempDataDir('switchboard-bench-reconnect-');
  addOperator(dataDir, 'bench', BENCH_PASSWORD, 'admin');
  const serve = (port?: number) => startServer('serve', ['--cad-url', cad.url, '--cad-token', TOKEN, ...(port ? ['--port', String(port)] : [])], dataDir);
  let server: RunningServer = await serve();
  const port = Number(new URL(server.url).port);
  const browser = await launchBrowser();
  const samples: number[] = [];
  const counts: Array<{ units: number; incidents: number }> = [];
  try {
    const token = await sessionToken(server.url);
    const context = await browser.newContext({ viewport: { width: 1600, height: 960 } });
    await context.addInitScript((t) => {
      const g = globalThis as unknown as ReloadPage;
      g.sessionStorage.setItem('switchboard.session', t);
      g.sessionStorage.setItem('switchboard.operator', JSON.stringify({ username: 'bench', role: 'admin' }));
      g.localStorage.setItem('switchboard.debug', '1');
    }, token);
    const page = await context.newPage();
    await page.goto(`${server.url}/#/${process.env.BENCH_VIEW ?? 'board'}`);
    const pictureComplete = () =>
      page
        .waitForFunction(
          ([u, i]) => {
            const d = (globalThis as unknown as ReloadPage).__switchboardDebug;
            return d.units().length === u && d.incidents().length === i;
          },
          [units, incidents],
          { timeout: 60_000 }
        )
        .catch(async (err: Error) => {
          const seen = await page.evaluate(() => {
            const d = (globalThis as unknown as ReloadPage).__switchboardDebug;
            return `${d.units().length} units, ${d.incidents().length} incidents`;
          });
          throw new Error(`the console never showed the whole picture (it shows ${seen}): ${err.message}`);
        });
    await pictureComplete();
    for (let run = 0; run < runs; run += 1) {
      await page.evaluate(() => (globalThis as unknown as ReloadPage).performance.clearMarks());
      const exited = new Promise((resolve) => server.child.once('exit', resolve));
      // Keep the console away until the restarted core has the CAD's picture again, so the
      // figure is the console's reload, not the core's own start-up sync with the CAD.
      await context.setOffline(true);
      server.child.kill('SIGKILL');
      await exited;
      server = await serve(port);
      await bridgeHealthy(server.url);
      const trace = run === 0 && process.env.BENCH_TRACE ? await startPageTrace(page) : null;
      await context.setOffline(false);
      await page.waitForFunction(() => (globalThis as unknown as ReloadPage).performance.getEntriesByName('switchboard:resync-loaded').length > 0, undefined, { timeout: 60_000 });
      if (trace) console.log(await trace.stop(process.env.BENCH_TRACE!, 'switchboard:resync-start', 'switchboard:resync-loaded'));
      const measured = await page.evaluate(() => {
        const g = globalThis as unknown as ReloadPage;
        const start = g.performance.getEntriesByName('switchboard:resync-start')[0]!.startTime;
        const end = g.performance.getEntriesByName('switchboard:resync-loaded')[0]!.startTime;
        return { ms: end - start, units: g.__switchboardDebug.units().length, incidents: g.__switchboardDebug.incidents().length };
      });
      samples.push(measured.ms);
      counts.push({ units: measured.units, incidents: measured.incidents });
      await pictureComplete();
    }
  } finally {
    await browser.close();
    await server.stop();
    await cad.close();
  }
  const worst = Math.max(...samples);
  const complete = counts.every((c) => c.units === units && c.incidents === incidents);
  report('console-reconnect-reload', { runs, units, incidents, viewport: '1600x960', view: 'board', served_by: 'switchboard serve (loopback), restarted with kill -9' }, [
    { metric: 'resync -> picture reloaded and painted (worst ms)', value: round(worst), target: '< 1000', pass: worst < 1000 && complete },
    { metric: 'resync -> picture reloaded and painted (median ms)', value: round([...samples].sort((a, b) => a - b)[Math.floor(samples.length / 2)]!) },
    { metric: 'reloaded picture was complete at the mark (every run)', value: complete ? 1 : 0 }
  ]);
}

void main().catch((err) => {
  console.error(err);
  process.exit(1);
});
