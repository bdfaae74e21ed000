import fs from 'node:fs';
import type { Page } from 'playwright-core';
import { report, round } from '../lib/report';
import { attachedConsole, startAttachedMain } from './attachedConsole';
import { arg, sessionToken, sleep, startBenchEnv, type BenchEnv, type BenchPage } from './harness';
import { endToEnd } from './liveLoad';

/**
 * Many workstations (issue 19), measured.
 *
 * 1. Event to screen, device -> hub -> console -> paint, p95, for two consoles in
 *    the same run against the same `serve` and the same crews:
 *    - browser: the console page on its own `/console` Socket.IO link;
 *    - attached: what the desktop app does in attached mode. Electron cannot run
 *      here, so the main process is attachedMain.ts, a separate Node process
 *      running the very modules Electron runs (attached link, remote contract,
 *      guarded IPC registrar, link state); Electron's IPC between it and the
 *      page is a loopback WebSocket, and the preload is a stand-in injected
 *      before the page loads that exposes the same `window.switchboard`. So
 *      "attached" = hub -> /console link held by another process -> parse and
 *      role filter there -> one more local hop -> the same renderer code.
 *    Rounds alternate (browser, attached, attached, browser) so a machine that
 *    gets busier does not favour one; each round's p95 is reported.
 * 2. Memory of three view windows (the console on the map, plus the board and
 *    alerts opened in their own windows with window.open, as the console does)
 *    against the console alone: proportional set size summed over every Chromium
 *    process, and the JS heaps of the pages.
 *
 * Run: npx tsx bench/console/attached.bench.ts [--rate=500 --seconds=10 --crews=50]
 */

/** Proportional set size (kB) summed over a process and its descendants: shared pages counted once. */
function treePssKb(rootPid: number): number {
  const children = new Map<number, number[]>();
  for (const entry of fs.readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    try {
      const ppid = Number(/PPid:\s+(\d+)/.exec(fs.readFileSync(`/proc/${entry}/status`, 'utf8'))?.[1]);
      children.set(ppid, [...(children.get(ppid) ?? []), Number(entry)]);
    } catch {
      // Gone meanwhile.
    }
  }
  let total = 0;
  const visit = (pid: number) => {
    try {
      total += Number(/Pss:\s+(\d+)/.exec(fs.readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8'))?.[1] ?? 0);
    } catch {
      // Gone meanwhile.
    }
    (children.get(pid) ?? []).forEach(visit);
  };
  visit(rootPid);
  return total;
}

/** The Chromium this benchmark launched: a child of this process. */
function chromiumPid(): number | undefined {
  for (const entry of fs.readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    try {
      const ppid = Number(/PPid:\s+(\d+)/.exec(fs.readFileSync(`/proc/${entry}/status`, 'utf8'))?.[1]);
      if (ppid === process.pid && /chrom/i.test(fs.readFileSync(`/proc/${entry}/cmdline`, 'utf8'))) return Number(entry);
    } catch {
      // Gone meanwhile.
    }
  }
  return undefined;
}

async function jsHeapMb(pages: Page[]): Promise<number> {
  let bytes = 0;
  for (const page of pages) {
    const cdp = await page.context().newCDPSession(page);
    await cdp.send('Performance.enable');
    await cdp.send('HeapProfiler.collectGarbage');
    const { metrics } = await cdp.send('Performance.getMetrics');
    bytes += metrics.find((m) => m.name === 'JSHeapUsedSize')?.value ?? 0;
    await cdp.detach();
  }
  return round(bytes / 1024 ** 2, 1);
}

async function viewWindowsMemory(env: BenchEnv, settleMs: number) {
  const browserPid = chromiumPid();
  const token = await sessionToken(env.server.url);
  const context = await env.browser.newContext({ viewport: { width: 1600, height: 960 } });
  await context.addInitScript((t) => (globalThis as unknown as BenchPage).sessionStorage.setItem('switchboard.session', t), token);
  const main = await context.newPage();
  await main.goto(`${env.server.url}/#/map`);
  await main.locator('[data-map-ready="1"]').waitFor({ timeout: 60_000 });
  await sleep(settleMs);
  const one = { pss: browserPid ? treePssKb(browserPid) : 0, heap: await jsHeapMb([main]) };
  const windows: Page[] = [];
  for (const view of ['board', 'alerts']) {
    const [popup] = await Promise.all([context.waitForEvent('page'), main.evaluate((v) => void (globalThis as unknown as { open(u: string, n: string, f: string): unknown }).open(`/#/view/${v}`, `switchboard-view-${v}`, 'popup,width=1280,height=800'), view)]);
    await popup.locator('.shell--detached main.content').waitFor({ timeout: 60_000 });
    windows.push(popup);
  }
  await sleep(settleMs);
  const three = { pss: browserPid ? treePssKb(browserPid) : 0, heap: await jsHeapMb([main, ...windows]) };
  await context.close();
  return { one, three };
}

async function main() {
  const rate = arg('rate', 500);
  const seconds = arg('seconds', 10);
  const crews = arg('crews', 50);
  const env = await startBenchEnv();
  const attachedMain = await startAttachedMain(env.server.url);
  try {
    const rounds: Array<{ kind: 'browser' | 'attached'; p95: number; p50: number; count: number; acked: number }> = [];
    for (const kind of ['browser', 'attached', 'attached', 'browser'] as const) {
      const r = await endToEnd(env, rate, seconds, crews, kind === 'attached' ? attachedConsole(attachedMain.ipcUrl) : {});
      rounds.push({ kind, p95: r.p95, p50: r.p50, count: r.count, acked: r.ackedPerSecond });
      console.log(`${kind}: p95 ${r.p95} ms, p50 ${r.p50} ms, ${r.count} updates painted, ${round(r.ackedPerSecond)} acked ev/s`);
    }
    const of = (kind: string) => rounds.filter((r) => r.kind === kind);
    const mean = (xs: number[]) => round(xs.reduce((a, b) => a + b, 0) / xs.length);
    const attachedP95 = mean(of('attached').map((r) => r.p95));
    const browserP95 = mean(of('browser').map((r) => r.p95));
    const memory = await viewWindowsMemory(env, 3_000);
    report('console-attached', { rate, seconds, crews, rounds: 'browser, attached, attached, browser' }, [
      { metric: 'device->hub->console->paint p95 ms, attached (mean of 2 rounds)', value: attachedP95, baseline: browserP95, ratio: attachedP95 / browserP95, target: '< 250', pass: attachedP95 < 250 },
      ...rounds.map((r, i) => ({ metric: `round ${i + 1} ${r.kind}: p95 / p50 ms (updates painted)`, value: `${r.p95} / ${r.p50} (${r.count})` })),
      { metric: 'Chromium PSS, console + 2 view windows vs console alone (MB)', value: round(memory.three.pss / 1024, 1), baseline: round(memory.one.pss / 1024, 1), ratio: memory.three.pss / memory.one.pss },
      { metric: 'JS heap of the pages, 3 windows vs 1 (MB)', value: memory.three.heap, baseline: memory.one.heap, ratio: memory.three.heap / memory.one.heap }
    ]);
  } finally {
    attachedMain.child.kill('SIGTERM');
    await env.close();
  }
}

void main().catch((err) => {
  console.error(err);
  process.exit(1);
});
