import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { STATE_DEADLINE_MS } from './waitFor';

/**
 * Browser tests run the built console in Debian's Chromium against the built
 * CLI (`node bin/switchboard.js serve|demo`), started as a child process and
 * stopped by its own PID.
 */

export const ROOT = path.resolve(__dirname, '../..');
export const CLI = path.join(ROOT, 'bin/switchboard.js');
export const SCREENSHOTS = path.join(ROOT, 'test-results/screenshots');
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--autoplay-policy=no-user-gesture-required'
];

let built = false;
/** Builds main + renderer once per test process (skipped with SWITCHBOARD_SKIP_BUILD=1). */
export function ensureBuilt(): void {
  // npm test builds once before any test (SWITCHBOARD_TEST_BUILT): building again here would
  // replace out/ under the reliability tests, which run beside e2e from that same build.
  if (built || process.env.SWITCHBOARD_SKIP_BUILD === '1' || process.env.SWITCHBOARD_TEST_BUILT === '1') return;
  const result = spawnSync(path.join(ROOT, 'node_modules/.bin/electron-vite'), ['build'], { cwd: ROOT, encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`electron-vite build failed:\n${result.stdout}\n${result.stderr}`);
  built = true;
}

export function tempDataDir(prefix = 'switchboard-e2e-'): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

export function cliSupports(command: string): boolean {
  const result = spawnSync(process.execPath, [CLI, '--help'], { encoding: 'utf8' });
  return new RegExp(`^\\s+${command}\\s`, 'm').test(result.stdout);
}

export interface RunningServer {
  url: string;
  dataDir: string;
  child: ChildProcess;
  output(): string;
  /** Demo credentials, when started with `demo`. */
  credentials?: { username: string; password: string };
  /** Every account the command printed with its password (the demo's). */
  accounts: Record<string, string>;
  stop(): Promise<void>;
}

/** Starts `switchboard serve` (or `demo`) on a free port and waits for its console URL. */
export async function startServer(command: 'serve' | 'demo' = 'serve', extraArgs: string[] = [], dataDir = tempDataDir(), env: Record<string, string> = {}): Promise<RunningServer> {
  const child = spawn(process.execPath, [CLI, command, '--port', '0', '--data-dir', dataDir, ...extraArgs], {
    cwd: ROOT,
    env: { ...process.env, SWITCHBOARD_LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe']
  });
  let text = '';
  child.stdout!.on('data', (c: Buffer) => (text += c.toString('utf8')));
  child.stderr!.on('data', (c: Buffer) => (text += c.toString('utf8')));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${command} did not print its URL in time:\n${text}`)), STATE_DEADLINE_MS);
    const check = () => {
      const match = /Switchboard console: (http:\/\/\S+)/.exec(text) ?? /(http:\/\/127\.0\.0\.1:\d+)/.exec(text);
      if (match && (command === 'serve' || /password/i.test(text))) {
        clearTimeout(timer);
        resolve(match[1]!.replace(/\/$/, ''));
      }
    };
    child.stdout!.on('data', check);
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${command} exited with ${code}:\n${text}`));
    });
  });
  const user = /user(?:name)?:?\s+(\S+)/i.exec(text)?.[1];
  const pass = /password:?\s+(\S+)/i.exec(text)?.[1];
  // The demo prints every account with its own random password: "    dana     dispatcher password XYZ".
  const accounts = Object.fromEntries([...text.matchAll(/^\s+([a-z]+)\s+[a-z]+\s+password (\S+)$/gm)].map((m) => [m[1]!, m[2]!]));
  return {
    url,
    dataDir,
    child,
    output: () => text,
    credentials: user && pass ? { username: user, password: pass } : undefined,
    accounts,
    async stop() {
      if (child.exitCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), STATE_DEADLINE_MS);
      await exited;
      clearTimeout(timer);
    }
  };
}

/**
 * Adds an operator through the CLI (password on stdin, never in argv): into the
 * data directory, or into a cluster's PostgreSQL where its nodes sign in.
 */
export function addOperator(dataDir: string, username: string, password: string, role: string, postgresUrl?: string): void {
  const where = postgresUrl ? ['--postgres-url', postgresUrl] : ['--data-dir', dataDir];
  const result = spawnSync(process.execPath, [CLI, 'user', 'add', '--username', username, '--role', role, ...where], { input: password, encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`user add failed: ${result.stderr}`);
}

export async function launchBrowser(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
}

export interface WatchedPage {
  page: Page;
  context: BrowserContext;
  /** Console errors and page errors seen so far (a test fails on any). */
  errors: string[];
}

export async function openPage(browser: Browser, url: string, options: { acceptDownloads?: boolean } = {}): Promise<WatchedPage> {
  const context = await browser.newContext({ viewport: { width: 1600, height: 960 }, acceptDownloads: options.acceptDownloads ?? true });
  // Playwright's own waits (locators, waitForFunction) wait for states; give them the suite's deadline.
  context.setDefaultTimeout(STATE_DEADLINE_MS);
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('console', (msg) => {
    if (msg.type() === 'error') errors.push(`console: ${msg.text()}`);
  });
  page.on('pageerror', (err) => errors.push(`pageerror: ${err.message}`));
  await page.goto(url);
  return { page, context, errors };
}

/**
 * Signs in as an operator would. A console whose link is silent (a saturated machine
 * answers its heartbeat late) refuses the call as "NOT sent", or reports it unknown;
 * an operator clicks Sign in again, and so does this helper. Any other answer stands.
 */
export async function signIn(page: Page, username: string, password: string): Promise<void> {
  await page.getByLabel('Username').fill(username);
  await page.getByLabel('Password').fill(password);
  const signedIn = page.getByTestId('status-strip');
  const notSent = page.getByRole('alert').filter({ hasText: /NOT sent|Unknown/ });
  const deadline = Date.now() + STATE_DEADLINE_MS;
  for (;;) {
    await page.getByRole('button', { name: 'Sign in' }).click();
    await signedIn.or(notSent).first().waitFor();
    if (await signedIn.isVisible()) return;
    if (Date.now() > deadline) throw new Error(`sign-in as ${username} was never sent: ${await notSent.first().textContent()}`);
  }
}

/**
 * Waits until the page shows its data rather than a placeholder: no view still
 * loading, no virtual-table row waiting for its page, fonts in, and a frame painted
 * after that. A state, so a busy machine only makes it later, never wrong.
 */
export async function settled(page: Page): Promise<void> {
  await page.waitForFunction(() => !(globalThis as unknown as PageGlobals).document.querySelector('.loading, .vt__row--loading'), undefined, { timeout: STATE_DEADLINE_MS });
  await page.evaluate(() => {
    const w = globalThis as unknown as PageGlobals;
    return w.document.fonts.ready.then(() => new Promise<void>((resolve) => w.requestAnimationFrame(() => w.requestAnimationFrame(() => resolve()))));
  });
}

/** The map's unit layer has finished gliding every unit to its last reported position. */
export async function unitsAtRest(page: Page): Promise<void> {
  await page.waitForFunction(() => (globalThis as unknown as PageGlobals).document.querySelector('[data-gliding]')?.getAttribute('data-gliding') === '0', undefined, { timeout: STATE_DEADLINE_MS });
}

/**
 * The page's globals, typed just enough for the functions above. This helper is
 * compiled without the DOM's types, and the console's CSP forbids evaluating strings,
 * so page-side code is written as functions over this narrow view (a cast, which
 * compiles away: Playwright sends each function's source to the page, so page-side
 * code may not call anything defined in this module).
 */
interface PageGlobals {
  document: { querySelector(selector: string): { getAttribute(name: string): string | null } | null; fonts: { ready: Promise<unknown> } };
  requestAnimationFrame(callback: () => void): number;
}

export async function screenshot(page: Page, name: string): Promise<string> {
  await settled(page);
  fs.mkdirSync(SCREENSHOTS, { recursive: true });
  const file = path.join(SCREENSHOTS, `${name}.png`);
  await page.screenshot({ path: file });
  return file;
}

export async function openView(page: Page, view: string): Promise<void> {
  await page.locator(`.nav [data-view="${view}"]`).click();
  await page.locator(`main.content[data-view="${view}"]`).waitFor();
}
