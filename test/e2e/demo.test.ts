import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cliSupports, ensureBuilt, launchBrowser, openPage, openView, screenshot, signIn, startServer, type RunningServer, type WatchedPage } from '../helpers/browser';

/**
 * The console against `switchboard demo`: the CAD simulator and simulated
 * field devices (separate clients on the hub's real protocol) make a living
 * city; the console must show it moving and carry a dispatcher's assignment
 * to the CAD and back.
 */

interface DebugUnit {
  id: string;
  status: string;
  lat: number;
  lon: number;
  incidentId: string | null;
}
type Debug = { __switchboardDebug: { units(): DebugUnit[]; incidents(): Array<{ id: string; status: string; units: string[] }> } };

const hasDemo = (() => {
  ensureBuilt();
  return cliSupports('demo');
})();

let server: RunningServer;
let browser: Browser;
let watched: WatchedPage;

describe.skipIf(!hasDemo)('the console on the demo city', () => {
  beforeAll(async () => {
    server = await startServer('demo');
    browser = await launchBrowser();
    watched = await openPage(browser, server.url);
    await watched.page.addInitScript(() => localStorage.setItem('switchboard.debug', '1'));
    await watched.page.reload();
    // The demo prints each account with its own random password.
    await signIn(watched.page, 'dana', server.accounts.dana!);
  });

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });

  it('shows units that move on the map', async () => {
    const { page, errors } = watched;
    await page.locator('[data-map-ready="1"]').waitFor();
    const units = () => page.evaluate(() => (window as unknown as Debug).__switchboardDebug.units());
    await expect.poll(async () => (await units()).filter((u) => Number.isFinite(u.lat)).length).toBeGreaterThan(3);
    const before = new Map((await units()).map((u) => [u.id, u]));
    await screenshot(page, 'demo-map-1');
    await expect
      .poll(
        async () =>
          (await units()).filter((u) => {
            const b = before.get(u.id);
            return b && (Math.abs(b.lat - u.lat) > 1e-6 || Math.abs(b.lon - u.lon) > 1e-6);
          }).length
      )
      .toBeGreaterThan(0);
    await screenshot(page, 'demo-map-2');
    expect(errors).toEqual([]);
  });

  it('sends an assignment to the CAD and shows the unit change when the CAD confirms', async () => {
    const { page, errors } = watched;
    await openView(page, 'dispatch');
    // A pending call (the demo's CAD leaves P1 and P2 calls to the dispatcher), and the core's suggested unit for it.
    const call = page.locator('[data-testid="pending-calls"] [data-incident]').first();
    await call.waitFor({ timeout: 60_000 });
    const incidentId = (await call.getAttribute('data-incident'))!;
    await call.click();
    const button = page.locator(`[data-testid="assign-${incidentId}"] .assign__btn`).first();
    await button.waitFor({ timeout: 30_000 });
    const unitId = (await button.getAttribute('data-unit'))!;
    expect(await page.locator(`[data-testid="unit-list"] [data-unit="${unitId}"]`).getAttribute('data-status')).toBe('available');
    await button.click();
    await expect
      .poll(() => page.evaluate((id) => (window as unknown as Debug).__switchboardDebug.units().find((u) => u.id === id)?.incidentId ?? null, unitId))
      .toBe(incidentId);
    // The details now name the unit, and the call has moved from pending to active.
    await expect.poll(() => page.getByTestId('details-units').textContent(), { timeout: 30_000 }).not.toContain('none assigned');
    await expect.poll(() => page.locator(`[data-testid="active-calls"] [data-incident="${incidentId}"]`).count(), { timeout: 30_000 }).toBe(1);
    await screenshot(page, 'demo-board-assigned');
    expect(errors).toEqual([]);
  });

  it('lets an admin see the living city in every view', async () => {
    const admin = await openPage(browser, server.url);
    await signIn(admin.page, server.credentials!.username, server.credentials!.password);
    await admin.page.locator('[data-map-ready="1"]').waitFor();
    await screenshot(admin.page, 'demo-admin-map');
    for (const view of ['dispatch', 'board', 'alerts', 'patients', 'statistics', 'health', 'audit', 'report']) {
      await openView(admin.page, view);
      await screenshot(admin.page, `demo-${view}`);
    }
    expect(admin.errors).toEqual([]);
    await admin.context.close();
  });
});
