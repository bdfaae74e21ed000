import { io } from 'socket.io-client';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCadSimulator, type CadSimulator } from '../../src/main/cadsim/cadSimulator';
import { addOperator, ensureBuilt, launchBrowser, openPage, openView, screenshot, signIn, startServer, tempDataDir, type RunningServer, type WatchedPage } from '../helpers/browser';
import { cliToken } from '../helpers/e2eDevices';
import { STATE_DEADLINE_MS } from '../helpers/waitFor';

/**
 * Issue 19 in Chromium against a real `switchboard serve`: many workstations,
 * one centre. Two browser contexts are two workstations (each its own session
 * storage and connection) with two dispatchers signed in; a view opened in its
 * own window is a third page sharing its opener's session.
 */

const PASSWORD = 'correct horse battery';
const CAD_TOKEN = 'e2e-cad-token-workstations';
const CARDIAC = { id: 'INC-001900', type: 'cardiac arrest', address: '300 Pine St, Seattle, WA', priority: 1, location: { lat: 47.611, lon: -122.336 } };

let browser: Browser;
let cad: CadSimulator;
let server: RunningServer;
let dataDir: string;
let port = 0;
const pages: WatchedPage[] = [];

async function startServe(): Promise<RunningServer> {
  const s = await startServer('serve', ['--cad-url', cad.url, '--cad-token', CAD_TOKEN, ...(port ? ['--port', String(port)] : [])], dataDir);
  port = Number(new URL(s.url).port);
  return s;
}

/** A workstation: its own browser context (its own session), an operator signed in, on a view. */
async function workstation(username: string, view: string): Promise<WatchedPage> {
  const watched = await openPage(browser, server.url);
  await watched.page.addInitScript(() => localStorage.setItem('switchboard.debug', '1'));
  await watched.page.reload();
  pages.push(watched);
  await signIn(watched.page, username, PASSWORD);
  await openView(watched.page, view);
  return watched;
}

/** A patient monitor reports a heart rate far out of range: the hub raises a critical vitals alert. */
async function raiseCriticalAlert(patientId: string, monitorId: string): Promise<void> {
  const token = cliToken(dataDir, ['--role', 'device', '--sub', monitorId, '--device-id', monitorId, '--device-type', 'monitor', '--patient-id', patientId]);
  const monitor = io(server.url, { transports: ['websocket'], reconnection: false, auth: { token } });
  await new Promise<void>((resolve, reject) => {
    monitor.once('connect', () => resolve());
    monitor.once('connect_error', reject);
  });
  const ack = await monitor.timeout(STATE_DEADLINE_MS).emitWithAck('device_data', { data_type: 'heart_rate', values: { heart_rate: 190 }, patient_id: patientId });
  monitor.disconnect();
  expect(ack).toMatchObject({ ok: true });
}

const openAlertOf = (page: Page, patientId: string) => page.locator('[data-kind="vitals"][data-state="open"]', { hasText: patientId }).first();

beforeAll(async () => {
  ensureBuilt();
  dataDir = tempDataDir('switchboard-e2e-workstations-');
  addOperator(dataDir, 'dana', PASSWORD, 'dispatcher');
  addOperator(dataDir, 'sam', PASSWORD, 'dispatcher');
  cad = await createCadSimulator({ token: CAD_TOKEN, tickMs: 0, units: 6, incidentsPerMinute: 0, autoDispatch: false, port: 0 });
  cad.world.createIncident(CARDIAC);
  server = await startServe();
  browser = await launchBrowser();
});

afterAll(async () => {
  for (const p of pages) expect(p.errors.filter((e) => !/WebSocket|ERR_CONNECTION_REFUSED|net::/.test(e))).toEqual([]);
  await browser?.close();
  await server?.stop();
  await cad?.close();
});

describe('two workstations on one centre', () => {
  it('an assignment made at one workstation appears on the other workstation’s board', async () => {
    const dana = await workstation('dana', 'dispatch');
    const sam = await workstation('sam', 'board');
    await sam.page.locator(`[data-testid="pending-calls"] [data-incident="${CARDIAC.id}"]`).waitFor();

    await dana.page.locator(`[data-incident="${CARDIAC.id}"]`).first().click();
    const assign = dana.page.getByTestId(`assign-${CARDIAC.id}`).locator('button').first();
    const unitId = (await assign.getAttribute('data-unit'))!;
    await assign.click();

    // Sam's board, on another workstation, moves the call to active and the unit off "available".
    await sam.page.locator(`[data-testid="active-calls"] [data-incident="${CARDIAC.id}"]`).waitFor();
    await expect.poll(() => sam.page.locator(`[data-unit="${unitId}"]`).first().getAttribute('data-status')).not.toBe('available');
    expect(cad.state.received.filter((m) => m.event === 'assignment:send').map((m) => m.payload.unit_id)).toEqual([unitId]);
    await screenshot(sam.page, 'workstations-board-of-the-other-workstation');
  });

  it('an alert acknowledged at one workstation shows acknowledged, with the operator’s name, at the other', async () => {
    const dana = await workstation('dana', 'alerts');
    const sam = await workstation('sam', 'alerts');
    await raiseCriticalAlert('P-1901', 'MON-1901');
    await openAlertOf(dana.page, 'P-1901').waitFor();
    const samsCopy = openAlertOf(sam.page, 'P-1901');
    await samsCopy.waitFor();
    const alertId = (await samsCopy.getAttribute('data-alert'))!;

    await sam.page.locator(`[data-alert="${alertId}"] button`, { hasText: 'Acknowledge' }).click();
    await expect.poll(() => dana.page.locator(`[data-alert="${alertId}"]`).textContent()).toContain('acknowledged by sam');
    expect(await dana.page.locator(`[data-alert="${alertId}"]`).getAttribute('data-state')).toBe('acknowledged');
  });
});

describe('views in their own windows', () => {
  it('a view opened in its own window shares the session, stays live, and an acknowledgement there shows in the main window', async () => {
    const dana = await workstation('dana', 'alerts');
    const [popup] = await Promise.all([dana.context.waitForEvent('page'), dana.page.getByTestId('open-view-window').click()]);
    popup.on('pageerror', (err) => dana.errors.push(`popup pageerror: ${err.message}`));
    // Signed in as the opener's operator without a second sign-in, showing only the alerts view.
    await popup.locator('.shell--detached main.content[data-view="alerts"]').waitFor();
    expect(new URL(popup.url()).hash).toBe('#/view/alerts');
    expect(await popup.locator('nav.nav').count()).toBe(0);
    await popup.getByTestId('status-strip').waitFor();

    // Live: an alert raised after the window opened appears in it.
    await raiseCriticalAlert('P-1902', 'MON-1902');
    const inPopup = openAlertOf(popup, 'P-1902');
    await inPopup.waitFor();
    const alertId = (await inPopup.getAttribute('data-alert'))!;
    await screenshot(popup, 'workstations-alerts-in-own-window');

    // Acknowledged in the view window, acknowledged in the main window.
    await popup.locator(`[data-alert="${alertId}"] button`, { hasText: 'Acknowledge' }).click();
    await expect.poll(() => dana.page.locator(`[data-alert="${alertId}"]`).textContent()).toContain('acknowledged by dana');

    // The browser remembers the view was open: a fresh main window offers to reopen it (a click: popup blockers).
    const again = await dana.context.newPage();
    await again.goto(server.url);
    await signIn(again, 'dana', PASSWORD);
    await again.getByTestId('reopen-views').waitFor();
    expect(await again.getByTestId('reopen-views').textContent()).toBe('Reopen 1 view window');
    await again.close();
  });
});

describe('a console that loses the server', () => {
  it('shows the outage within 2 s and refuses actions until the server is back', async () => {
    cad.world.createIncident({ ...CARDIAC, id: 'INC-001901', address: '1 Union St, Seattle, WA' });
    const dana = await workstation('dana', 'dispatch');
    await dana.page.locator('[data-incident="INC-001901"]').first().click();
    const assign = dana.page.getByTestId('assign-INC-001901').locator('button').first();
    await assign.waitFor();
    expect(await assign.isEnabled()).toBe(true);
    // The page notes when the banner appears, in its own clock (the same machine's).
    await dana.page.evaluate(() => {
      const w = window as unknown as { __outageSeenAt?: number };
      new MutationObserver((_m, observer) => {
        if (document.querySelector('[data-testid="outage-banner"]')) {
          w.__outageSeenAt = Date.now();
          observer.disconnect();
        }
      }).observe(document.body, { childList: true, subtree: true });
    });

    const killedAt = Date.now();
    const exited = new Promise((resolve) => server.child.once('exit', resolve));
    server.child.kill('SIGKILL');
    await exited;
    await dana.page.getByTestId('outage-banner').waitFor();
    const seenAt = await dana.page.evaluate(() => (window as unknown as { __outageSeenAt?: number }).__outageSeenAt ?? null);
    expect(seenAt).not.toBeNull();
    expect(seenAt! - killedAt).toBeLessThan(2_000);
    expect(await assign.isDisabled()).toBe(true);
    await assign.click({ force: true }).catch(() => undefined);
    expect(await dana.page.getByTestId('strip-hub').getAttribute('data-level')).toBe('bad');

    server = await startServe();
    await dana.page.getByTestId('resync-note').waitFor();
    await dana.page.getByTestId('outage-banner').waitFor({ state: 'detached' });
    await dana.page.locator('[data-incident="INC-001901"]').first().click();
    await expect.poll(() => assign.isEnabled()).toBe(true);
    // Nothing clicked during the outage reached the CAD.
    expect(cad.state.received.filter((m) => m.event === 'assignment:send' && m.payload.incident_id === 'INC-001901')).toEqual([]);
  });
});
