import type { Browser, Page } from 'playwright-core';
import { io } from 'socket.io-client';
import { addOperator, ensureBuilt, launchBrowser, startServer, tempDataDir, type RunningServer } from '../../test/helpers/browser';

/**
 * Shared set-up for the console benchmarks: the built console served by
 * `switchboard serve`, headless Chromium, and the page's `window.__bench`.
 */
export interface BenchEnv {
  server: RunningServer;
  browser: Browser;
  close(): Promise<void>;
}

/** The bench operator's password (the password policy refuses one that contains the username). */
export const BENCH_PASSWORD = 'measured-console-7305';

export async function startBenchEnv(): Promise<BenchEnv> {
  ensureBuilt();
  const dataDir = tempDataDir('switchboard-bench-');
  addOperator(dataDir, 'bench', BENCH_PASSWORD, 'admin');
  const server = await startServer('serve', [], dataDir);
  const browser = await launchBrowser();
  return {
    server,
    browser,
    async close() {
      await browser.close();
      await server.stop();
    }
  };
}

export async function openBenchPage(env: BenchEnv, query: string, viewport = { width: 1600, height: 960 }): Promise<Page> {
  const context = await env.browser.newContext({ viewport });
  const page = await context.newPage();
  page.on('pageerror', (err) => console.error('page error:', err.message));
  await page.goto(`${env.server.url}/?${query}`);
  await page.waitForFunction(() => (globalThis as unknown as BenchPage).__bench?.ready === true, undefined, { timeout: 60_000 });
  return page;
}

/** Signs in over the console namespace and returns the session token (to resume in a page). */
export async function sessionToken(url: string, username = 'bench', password = BENCH_PASSWORD): Promise<string> {
  const socket = io(`${url}/console`, { transports: ['websocket'] });
  try {
    const result = await new Promise<{ ok: boolean; value?: { token: string } }>((resolve) => socket.emit('call', 'auth.signIn', { username, password }, resolve));
    if (!result.ok || !result.value) throw new Error('bench sign-in failed');
    return result.value.token;
  } finally {
    socket.disconnect();
  }
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export const arg = (name: string, fallback: number): number => {
  const flag = process.argv.find((a) => a.startsWith(`--${name}=`));
  const env = process.env[`BENCH_${name.toUpperCase()}`];
  return Number(flag?.split('=')[1] ?? env ?? fallback);
};

export interface FrameStats {
  fps: number;
  frames: number;
  longFrames: number;
  worstFrameMs: number;
  layerFps: number | null;
}

/**
 * What the bench pages expose. Benchmarks are type-checked as Node code (no DOM
 * lib), so functions evaluated in the page reach the page through this shape:
 * `(globalThis as unknown as BenchPage).__bench`.
 */
export interface BenchPage {
  __bench?: {
    ready: boolean;
    measureFrames(ms: number): Promise<FrameStats>;
    latencies?: number[];
    eventsSent?: number;
    longTasks?: number[];
    scrollTo?(top: number): void;
  };
  sessionStorage: { setItem(key: string, value: string): void };
  performance: { getEntriesByName(name: string): Array<{ startTime: number }>; now(): number };
  document: { querySelector(selector: string): { scrollTop: number } | null };
}
