import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addOperator, ensureBuilt, launchBrowser, openPage, openView, screenshot, signIn, startServer, tempDataDir, type RunningServer, type WatchedPage } from '../helpers/browser';

/** The Administration view against a real `switchboard serve`: what an admin does about a lost tablet or a leaver. */
const PASSWORD = 'correct horse battery';
let server: RunningServer;
let browser: Browser;
const pages: WatchedPage[] = [];

beforeAll(async () => {
  ensureBuilt();
  const dataDir = tempDataDir();
  addOperator(dataDir, 'dana', PASSWORD, 'dispatcher');
  addOperator(dataDir, 'sam', PASSWORD, 'admin');
  server = await startServer('serve', [], dataDir);
  browser = await launchBrowser();
});

afterAll(async () => {
  for (const p of pages) await p.context.close();
  await browser?.close();
  await server?.stop();
});

async function open(username: string, view?: string): Promise<WatchedPage> {
  const watched = await openPage(browser, server.url);
  pages.push(watched);
  await signIn(watched.page, username, PASSWORD);
  if (view) await openView(watched.page, view);
  return watched;
}

describe('administration from the console', () => {
  it('lets an admin disable an operator, which signs their open console out at once, and enable them again', async () => {
    const dana = await open('dana', 'alerts');
    const { page, errors } = await open('sam', 'admin');
    const row = page.locator('[data-testid="admin-operators"] tr[data-operator="dana"]');
    await row.getByRole('button', { name: 'Disable' }).click();
    await expect.poll(() => page.getByTestId('admin-outcome').textContent()).toContain('dana disabled');
    await expect.poll(() => row.locator('td').nth(2).textContent()).toBe('disabled');
    // Her open console is back at the sign-in screen, not showing a live picture it may no longer act on.
    await dana.page.getByRole('button', { name: 'Sign in' }).waitFor();
    await screenshot(page, 'admin');
    await row.getByRole('button', { name: 'Enable' }).click();
    await expect.poll(() => row.locator('td').nth(2).textContent()).toBe('active');
    // His own account is refused by the core, and the view says why and who can.
    const own = page.locator('[data-testid="admin-operators"] tr[data-operator="sam"]');
    await expect.poll(() => own.locator('td').first().textContent()).toBe('sam (you)');
    await own.getByRole('button', { name: 'Disable' }).click();
    await expect.poll(() => page.getByTestId('admin-outcome').textContent()).toBe('You cannot disable your own account: ask another admin to do it.');
    expect(await own.locator('td').nth(2).textContent()).toBe('active');
    expect(errors).toEqual([]);
  });
});
