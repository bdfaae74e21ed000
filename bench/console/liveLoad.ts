import { spawnSync } from 'node:child_process';
import type { BrowserContext, Page } from 'playwright-core';
import { io, type Socket } from 'socket.io-client';
import { CLI } from '../../test/helpers/browser';
import { latencySummary } from '../lib/report';
import { sessionToken, sleep, type BenchEnv, type BenchPage } from './harness';

/**
 * Device -> hub -> console -> paint, end to end: crews connected to the hub as
 * separate Socket.IO clients send update_location at a total rate; the
 * signed-in console (map view, `?bench=live`) records paint time minus the
 * crew's own timestamp (same machine clock). `under` lets a benchmark give
 * the page another transport before it loads (attached.bench.ts).
 */
export interface ConsoleUnderTest {
  /** Runs on the browser context before the console page opens (init scripts). */
  prepare?(context: BrowserContext): Promise<void>;
  /** The stand-in transport talks to a port the console's CSP does not name. */
  bypassCSP?: boolean;
  /** Checked on the page after the measurement: that it measured what it says it did. */
  verify?(page: Page): Promise<void>;
}

function crewToken(dataDir: string, unit: string): string {
  const out = spawnSync(process.execPath, [CLI, 'token', '--role', 'crew', '--sub', `crew-${unit}`, '--unit-id', unit, '--data-dir', dataDir], { encoding: 'utf8' });
  if (out.status !== 0) throw new Error(out.stderr);
  return out.stdout.trim().split('\n').pop()!.trim();
}

export async function endToEnd(env: BenchEnv, rate: number, seconds: number, crews: number, under: ConsoleUnderTest = {}) {
  const token = await sessionToken(env.server.url);
  const context = await env.browser.newContext({ viewport: { width: 1600, height: 960 }, bypassCSP: under.bypassCSP ?? false });
  await context.addInitScript((t) => (globalThis as unknown as BenchPage).sessionStorage.setItem('switchboard.session', t), token);
  await under.prepare?.(context);
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
  await under.verify?.(page);
  await context.close();
  return { ...latencySummary(latencies), ackedPerSecond: ackedRate, refused };
}

