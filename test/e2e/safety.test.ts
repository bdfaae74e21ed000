import { io } from 'socket.io-client';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCadSimulator, type CadSimulator } from '../../src/main/cadsim/cadSimulator';
import {
  addOperator,
  ensureBuilt,
  launchBrowser,
  openPage,
  openView,
  screenshot,
  signIn,
  startServer,
  tempDataDir,
  type RunningServer,
  type WatchedPage
} from '../helpers/browser';
import { cliToken } from '../helpers/e2eDevices';
import { STATE_DEADLINE_MS } from '../helpers/waitFor';

/**
 * Issue 15, sections 1-3, in Chromium against `switchboard serve` with a CAD
 * simulator that auto-dispatches nothing (every assignment is the dispatcher's):
 * the console never acts on a picture that is not live, shows the truth after
 * a restart, and makes an outage impossible to miss.
 */

const PASSWORD = 'correct horse battery';
const CAD_TOKEN = 'e2e-cad-token-6b1f0c2d9a';
const CHEST_PAIN = { id: 'INC-000900', type: 'chest pain', address: '12 Main St, Seattle, WA', priority: 1, location: { lat: 47.6062, lon: -122.3321 } };
const FALL = { id: 'INC-000900', type: 'fall', address: '4 Oak Ave, Seattle, WA', priority: 3, location: { lat: 47.62, lon: -122.35 } };

let browser: Browser;
let cad: CadSimulator;
let server: RunningServer;
let dataDir: string;
let port = 0;
const pages: WatchedPage[] = [];

async function startCad(state?: CadSimulator['state'], cadPort = 0): Promise<CadSimulator> {
  return createCadSimulator({ token: CAD_TOKEN, tickMs: 0, units: 6, incidentsPerMinute: 0, autoDispatch: false, port: cadPort, state });
}

async function startServe(): Promise<RunningServer> {
  const s = await startServer('serve', ['--cad-url', cad.url, '--cad-token', CAD_TOKEN, ...(port ? ['--port', String(port)] : [])], dataDir);
  port = Number(new URL(s.url).port);
  return s;
}

async function kill9(s: RunningServer): Promise<void> {
  if (s.child.exitCode !== null) return;
  const exited = new Promise((resolve) => s.child.once('exit', resolve));
  s.child.kill('SIGKILL');
  await exited;
}

async function open(view: string): Promise<Page> {
  const watched = await openPage(browser, server.url);
  await watched.page.addInitScript(() => localStorage.setItem('switchboard.debug', '1'));
  await watched.page.reload();
  pages.push(watched);
  await signIn(watched.page, 'dana', PASSWORD);
  await openView(watched.page, view);
  return watched.page;
}

/** The dispatch screen with one call selected: its details offer the Assign buttons. */
async function openWithIncident(incidentId: string): Promise<Page> {
  const page = await open('dispatch');
  await page.locator(`[data-incident="${incidentId}"]`).first().click();
  return page;
}

/** What a console holds, in comparable form (the debug hook reads the stores). */
const picture = (page: Page) =>
  page.evaluate(() => {
    const d = (window as unknown as { __switchboardDebug: { units(): Array<{ id: string; status: string }>; incidents(): Array<{ id: string; status: string }>; alerts(): Array<{ id: string; acknowledged_by: string | null }> } }).__switchboardDebug;
    const byId = <T extends { id: string }>(xs: T[]) => xs.sort((a, b) => a.id.localeCompare(b.id));
    return {
      units: byId(d.units().map((u) => ({ id: u.id, status: u.status }))),
      incidents: byId(d.incidents().map((i) => ({ id: i.id, status: i.status }))),
      alerts: byId(d.alerts())
    };
  });

const deviceToken = (args: string[]) => cliToken(dataDir, args);

/** A patient monitor reports a heart rate far out of range: the hub raises a critical vitals alert. */
async function raiseCriticalAlert(patientId: string): Promise<void> {
  const monitor = io(server.url, { transports: ['websocket'], reconnection: false, auth: { token: deviceToken(['--role', 'device', '--sub', 'monitor-9', '--device-id', 'MON-9', '--device-type', 'monitor', '--patient-id', patientId]) } });
  await new Promise<void>((resolve, reject) => {
    monitor.once('connect', () => resolve());
    monitor.once('connect_error', reject);
  });
  const ack = await monitor.timeout(STATE_DEADLINE_MS).emitWithAck('device_data', { data_type: 'heart_rate', values: { heart_rate: 190 }, patient_id: patientId });
  monitor.disconnect();
  expect(ack).toMatchObject({ ok: true });
}

beforeAll(async () => {
  ensureBuilt();
  dataDir = tempDataDir('switchboard-e2e-safety-');
  addOperator(dataDir, 'dana', PASSWORD, 'dispatcher');
  cad = await startCad();
  cad.world.createIncident(CHEST_PAIN);
  server = await startServe();
  browser = await launchBrowser();
});

afterAll(async () => {
  await browser?.close();
  await server?.stop();
  await cad?.close();
});

describe('a console that never acts on a picture that is not live', () => {
  it('hub down: the outage is impossible to miss, Assign is refused on screen, and nothing is dispatched after the restart', async () => {
    const page = await openWithIncident(CHEST_PAIN.id);
    const assign = page.getByTestId(`assign-${CHEST_PAIN.id}`).locator('button').first();
    await assign.waitFor();
    expect(await assign.isEnabled()).toBe(true);
    const timer = page.locator(`[data-incident="${CHEST_PAIN.id}"] .timer`).first();

    await kill9(server);
    const banner = page.getByTestId('outage-banner');
    await banner.waitFor();
    expect(await banner.textContent()).toMatch(/No link to the core.*as of \d\d:\d\d:\d\d.*Actions are disabled/);
    expect(await assign.isDisabled()).toBe(true);
    // Health derived from the hub is unknown, not its last (green) value; timers stop with "as of".
    expect(await page.getByTestId('strip-cad').textContent()).toContain('unknown');
    expect(await page.getByTestId('strip-log').textContent()).toContain('unknown');
    expect(await page.getByTestId('strip-hub').getAttribute('data-level')).toBe('bad');
    expect(await timer.textContent()).toMatch(/as of \d\d:\d\d:\d\d/);
    expect(await page.locator('main.content').getAttribute('data-stale')).toBe('1');
    await screenshot(page, 'outage-1600x960');
    await page.setViewportSize({ width: 1280, height: 720 });
    await screenshot(page, 'outage-1280x720');
    await page.setViewportSize({ width: 1600, height: 960 });
    // A forced click on the disabled button does nothing either.
    await assign.click({ force: true }).catch(() => undefined);

    server = await startServe();
    await page.getByTestId('resync-note').waitFor();
    expect(await page.getByTestId('resync-note').getAttribute('data-reason')).toBe('restart');
    expect(await banner.count()).toBe(0);
    // The resynchronised picture starts with nothing selected: the dispatcher picks the call again.
    await page.locator(`[data-incident="${CHEST_PAIN.id}"]`).first().click();
    await expect.poll(() => assign.isEnabled()).toBe(true);
    // The hub cell judges the new link, not the dead core's last heartbeat.
    expect(await page.getByTestId('strip-hub').getAttribute('data-level')).toBe('ok');
    expect(await timer.getAttribute('data-frozen')).toBeNull();
    await screenshot(page, 'resynchronised');
    // Nothing reached the CAD: no assignment, every unit still available.
    expect(cad.state.received).toEqual([]);
    expect([...cad.state.units.values()].every((u) => u.status === 'available')).toBe(true);
  });

  it('restart: the console left open equals a fresh sign-in, and an unacknowledged critical alert is still there', async () => {
    const page = await open('alerts');
    await raiseCriticalAlert('P-915');
    const critical = page.locator('[data-kind="vitals"][data-state="open"]').first();
    await critical.waitFor();
    const before = await picture(page);
    const alertId = before.alerts[0]!.id;

    await server.stop(); // graceful: the console must not look live while the core winds down
    await page.getByTestId('outage-banner').waitFor();
    server = await startServe();
    await page.getByTestId('resync-note').waitFor();

    const fresh = await open('alerts');
    await fresh.locator('[data-kind="vitals"][data-state="open"]').first().waitFor();
    await expect.poll(async () => JSON.stringify(await picture(page))).toBe(JSON.stringify(await picture(fresh)));
    const after = await picture(page);
    expect(after.alerts.find((a) => a.id === alertId)).toEqual({ id: alertId, severity: 'critical', acknowledged_by: null });
    expect(after.incidents.map((i) => i.id)).toContain(CHEST_PAIN.id);
    // And it can be acknowledged: the server knows the alert it kept.
    await page.locator(`[data-alert="${alertId}"] button`, { hasText: 'Acknowledge' }).click();
    await expect.poll(() => page.locator(`[data-alert="${alertId}"]`).textContent()).toContain('acknowledged by dana');
  });

  it('CAD down and epochs: an assignment made before the CAD restarted is held for re-confirmation; re-confirming delivers it, discarding delivers nothing', async () => {
    const page = await openWithIncident(CHEST_PAIN.id);
    const assignButtons = page.getByTestId(`assign-${CHEST_PAIN.id}`).locator('button');
    await assignButtons.first().waitFor();
    const cadPort = cad.port;
    await cad.close();
    await expect.poll(() => page.getByTestId('strip-cad').getAttribute('data-level')).toBe('bad');

    // An assignment while the CAD is away: it queues in the outbox.
    const first = (await assignButtons.nth(0).getAttribute('data-unit'))!;
    await assignButtons.nth(0).click();
    await expect.poll(() => page.getByTestId(`assign-${CHEST_PAIN.id}`).textContent()).toContain('awaiting confirmation');

    // The CAD comes back without its database: a new epoch, and the same incident id is now another call.
    cad = await startCad(undefined, cadPort);
    cad.world.createIncident(FALL);
    const held = page.getByTestId('held-messages');
    await held.waitFor();
    const heldText = (await held.textContent())!;
    expect(heldText).toMatch(new RegExp(`Assign Medic \\d+ \\(${first}\\) to ${CHEST_PAIN.id} \\(chest pain, 12 Main St`));
    expect(heldText).toContain(`${CHEST_PAIN.id} in the CAD now: fall, 4 Oak Ave`);
    await screenshot(page, 'held-for-reconfirmation');
    expect(cad.state.received).toEqual([]);

    // The board row says the assignment is held rather than "awaiting confirmation".
    expect(await page.getByTestId(`assign-${CHEST_PAIN.id}`).textContent()).toContain('Held: the CAD restarted');
    await held.getByRole('button', { name: 'Discard' }).click();
    await held.waitFor({ state: 'detached' });
    expect(cad.state.received).toEqual([]);

    // A second one, held the same way, is re-confirmed and delivered into the new epoch.
    const cadPort2 = cad.port;
    await cad.close();
    await expect.poll(() => page.getByTestId('strip-cad').getAttribute('data-level')).toBe('bad');
    const button = page.getByTestId(`assign-${CHEST_PAIN.id}`).locator('button').first();
    const second = (await button.getAttribute('data-unit'))!;
    await button.click();
    cad = await startCad(undefined, cadPort2);
    cad.world.createIncident(FALL);
    await held.waitFor();
    await held.getByRole('button', { name: 'Re-confirm and send' }).click();
    await expect.poll(() => cad.state.received.length).toBe(1);
    expect(cad.state.received[0]).toMatchObject({ event: 'assignment:send', payload: { unit_id: second, incident_id: FALL.id, incident_type: 'fall', cad_epoch: cad.state.epoch }, ack: { ok: true } });
    await held.waitFor({ state: 'detached' });
  });
});
