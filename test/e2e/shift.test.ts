import type { Browser } from 'playwright-core';
import type { Socket } from 'socket.io-client';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createCadSimulator, type CadSimulator } from '../../src/main/cadsim/cadSimulator';
import { addOperator, ensureBuilt, launchBrowser, openPage, openView, screenshot, signIn, startServer, tempDataDir, type RunningServer, type WatchedPage } from '../helpers/browser';
import { connectDevice as connectToHub, emitAck } from '../helpers/e2eDevices';

/**
 * A dispatcher's shift in Chromium against `switchboard serve` linked to a
 * simulated CAD that dispatches nothing itself: a critical alert that keeps
 * sounding until someone acknowledges it, the keyboard-only command line, and
 * statistics whose chart agrees with its tile.
 */

const PASSWORD = 'correct horse battery';
const CAD_TOKEN = 'shift-test-cad-token-0123456789';
let sim: CadSimulator;
let server: RunningServer;
let browser: Browser;
const pages: WatchedPage[] = [];
const devices: Socket[] = [];

async function connectDevice(args: string[]): Promise<Socket> {
  const socket = await connectToHub(server.url, server.dataDir, args);
  devices.push(socket);
  return socket;
}

/** Counts every oscillator start, before the console's scripts run: the alarm's audible output. */
function countOscillatorStarts() {
  const w = window as unknown as { __oscStarts: number; AudioContext: typeof AudioContext };
  (window as unknown as Debug).__oscStarts = 0;
  const original = w.AudioContext.prototype.createOscillator;
  w.AudioContext.prototype.createOscillator = function (this: AudioContext) {
    const osc = original.call(this);
    const start = osc.start.bind(osc);
    osc.start = (when?: number) => {
      (window as unknown as Debug).__oscStarts += 1;
      start(when);
    };
    return osc;
  };
}

type Debug = {
  __oscStarts: number;
  __switchboardDebug: {
    alarm(): { checks: number; sounded: number };
    units(): Array<{ id: string; incidentId: string | null }>;
    alerts(): Array<{ id: string; severity: string; acknowledged_by: string | null }>;
  };
};

async function open(username: string, viewport = { width: 1600, height: 960 }): Promise<WatchedPage> {
  const watched = await openPage(browser, server.url);
  await watched.page.setViewportSize(viewport);
  await watched.page.addInitScript(() => localStorage.setItem('switchboard.debug', '1'));
  await watched.page.addInitScript(countOscillatorStarts);
  await watched.page.reload();
  pages.push(watched);
  await signIn(watched.page, username, PASSWORD);
  return watched;
}

beforeAll(async () => {
  ensureBuilt();
  sim = await createCadSimulator({ token: CAD_TOKEN, port: 0, units: 8, incidentsPerMinute: 0, tickMs: 0, autoDispatch: false });
  const dataDir = tempDataDir();
  addOperator(dataDir, 'dana', PASSWORD, 'dispatcher');
  addOperator(dataDir, 'sam', PASSWORD, 'admin');
  server = await startServer('serve', ['--cad-url', sim.url, '--cad-token', CAD_TOKEN], dataDir);
  browser = await launchBrowser();
});

// Each test's pages close with it: a dozen live maps in one headless browser starve a shared machine.
afterEach(async () => {
  for (const watched of pages.splice(0)) await watched.context.close();
});

afterAll(async () => {
  devices.splice(0).forEach((d) => d.disconnect());
  await browser?.close();
  await server?.stop();
  await sim?.close();
});

describe("a dispatcher's shift", () => {
  it('sounds a critical alert again and again until it is acknowledged, with a banner on every view and the count in the title', async () => {
    const { page, errors } = await open('dana');
    await page.getByTestId('dispatch-view').waitFor();
    const monitor = await connectDevice(['--role', 'device', '--sub', 'monitor-9', '--device-id', 'MON-9', '--device-type', 'monitor', '--patient-id', 'P-900']);
    expect((await emitAck(monitor, 'device_data', { data_type: 'heart_rate', values: { heart_rate: 178 } })).ok).toBe(true);
    const banner = page.getByTestId('critical-banner');
    await banner.waitFor({ timeout: 10_000 });
    await expect.poll(() => page.title(), { timeout: 10_000 }).toBe('(1) CRITICAL · Switchboard');
    expect(await page.locator('link[rel="icon"]').getAttribute('data-count')).toBe('1');
    // The first tone and at least two repeats: each tone starts two oscillators.
    await expect.poll(() => page.evaluate(() => (window as unknown as Debug).__oscStarts), { timeout: 30_000, interval: 250 }).toBeGreaterThanOrEqual(6);
    await screenshot(page, 'shift-critical-banner-1600');
    await page.setViewportSize({ width: 1280, height: 720 });
    await screenshot(page, 'shift-critical-banner-1280');
    await page.setViewportSize({ width: 1600, height: 960 });
    // The banner follows the operator to another view.
    await openView(page, 'patients');
    await banner.waitFor();
    await banner.getByRole('button', { name: 'Acknowledge' }).click();
    await banner.waitFor({ state: 'detached', timeout: 10_000 });
    await expect.poll(() => page.title()).toBe('Switchboard');
    // Silence after the acknowledgement: two more repeat checks pass without a single new start.
    const after = await page.evaluate(() => ({ starts: (window as unknown as Debug).__oscStarts, checks: (window as unknown as Debug).__switchboardDebug.alarm().checks }));
    await expect.poll(() => page.evaluate(() => (window as unknown as Debug).__switchboardDebug.alarm().checks), { timeout: 20_000, interval: 250 }).toBeGreaterThanOrEqual(after.checks + 2);
    expect(await page.evaluate(() => (window as unknown as Debug).__oscStarts)).toBe(after.starts);
    expect(await page.getByTestId('strip-critical').textContent()).toBe('0');
    expect(errors).toEqual([]);
  });

  it('assigns a unit and acknowledges an alert from the command line, without the mouse', async () => {
    const incident = sim.world.createIncident({ type: 'Chest Pain', priority: 1, address: '5109 Broadway, Seattle, WA', location: { lat: 47.61, lon: -122.32 } });
    const number = String(Number(/\d+$/.exec(incident.id)![0]));
    const { page, errors } = await open('dana');
    await page.locator(`[data-testid="pending-calls"] [data-incident="${incident.id}"]`).waitFor({ timeout: 20_000 });
    // F3 takes the dispatcher to the next pending call; F2 to the command line.
    await page.keyboard.press('F3');
    await expect.poll(() => page.evaluate(() => document.activeElement?.getAttribute('data-incident'))).toBe(incident.id);
    await page.keyboard.press('F2');
    await expect.poll(() => page.evaluate(() => document.activeElement?.id)).toBe('dispatch-command');
    await page.keyboard.type('A medic');
    await page.getByTestId('command-completions').waitFor();
    await screenshot(page, 'shift-command-completion');
    await page.keyboard.press('Tab');
    const completed = await page.getByLabel('Command').inputValue();
    expect(completed).toMatch(/^A Medic\d+ $/);
    const unitId = `U-${completed.match(/\d+/)![0].padStart(3, '0')}`;
    await page.keyboard.type(number);
    await page.keyboard.press('Enter');
    const incidentOf = (id: string) => page.evaluate((unit) => (window as unknown as Debug).__switchboardDebug.units().find((u) => u.id === unit)?.incidentId ?? null, id);
    await expect.poll(() => incidentOf(unitId), { timeout: 20_000 }).toBe(incident.id);
    await expect.poll(() => page.locator(`[data-testid="active-calls"] [data-incident="${incident.id}"]`).count(), { timeout: 10_000 }).toBe(1);
    expect(sim.state.received.filter((m) => m.event === 'assignment:send').map((m) => m.payload.unit_id)).toContain(unitId);

    const monitor = await connectDevice(['--role', 'device', '--sub', 'monitor-10', '--device-id', 'MON-10', '--device-type', 'monitor', '--patient-id', 'P-901']);
    expect((await emitAck(monitor, 'device_data', { data_type: 'spo2', values: { spo2: 80 } })).ok).toBe(true);
    await page.getByTestId('critical-banner').waitFor({ timeout: 10_000 });
    await page.keyboard.press('F2');
    await expect.poll(() => page.evaluate(() => document.activeElement?.id)).toBe('dispatch-command');
    await page.keyboard.type('ACK');
    await page.keyboard.press('Enter');
    await expect.poll(() => page.getByTestId('command-outcome').textContent(), { timeout: 10_000 }).toContain('Acknowledged');
    await page.getByTestId('critical-banner').waitFor({ state: 'detached', timeout: 10_000 });
    expect((await page.evaluate(() => (window as unknown as Debug).__switchboardDebug.alerts())).filter((a) => a.severity === 'critical').every((a) => a.acknowledged_by === 'dana')).toBe(true);
    expect(errors).toEqual([]);
  });

  it('shows the combined dispatch screen at both screen sizes', async () => {
    for (let i = 0; i < 6; i += 1) sim.world.createIncident();
    for (const viewport of [
      { width: 1600, height: 960 },
      { width: 1280, height: 720 }
    ]) {
      const { page, errors, context } = await open('dana', viewport);
      await page.locator('[data-map-ready="1"]').waitFor({ timeout: 20_000 });
      await page.locator('[data-testid="pending-calls"] [data-incident]').first().click();
      await page.getByTestId('details').waitFor();
      // The selected call is centred on the map and its details name the units on it.
      await expect.poll(() => page.getByTestId('details-units').textContent()).toMatch(/Units:/);
      await screenshot(page, `shift-dispatch-${viewport.width}`);
      expect(errors).toEqual([]);
      await context.close();
      pages.pop();
    }
  });

  it("lets a supervisor change a call type's run card in the console, and the suggestions follow at once", async () => {
    const incident = sim.world.createIncident({ type: 'Fall', priority: 1, address: '400 Pine St, Seattle, WA', location: { lat: 47.611, lon: -122.337 } });
    const { page, errors } = await open('sam');
    await openView(page, 'board');
    await page.locator(`[data-testid="pending-calls"] [data-incident="${incident.id}"]`).click({ timeout: 20_000 });
    const best = page.getByTestId(`assign-${incident.id}`).locator('button').first();
    // The starting card: a fall gets a basic life support unit first.
    await expect.poll(() => best.textContent(), { timeout: 15_000 }).toContain('· BLS ·');
    expect(await best.getAttribute('class')).toContain('assign__btn--preferred');

    const editor = page.getByTestId('run-card-editor');
    await editor.locator('summary').click();
    await editor.getByRole('button', { name: 'Add a card' }).click();
    const n = await editor.locator('input[aria-label$="incident type"]').count();
    await editor.getByLabel(`card ${n} incident type`).fill('Fall');
    await editor.getByLabel(`card ${n} priority`).selectOption('1');
    await editor.getByLabel(`card ${n} unit types`).fill('ALS');
    await editor.getByRole('button', { name: 'Save run cards for the centre' }).click();
    await expect.poll(() => editor.getByRole('status').textContent(), { timeout: 10_000 }).toBe('Saved for every console.');
    // Only for priority 1: the same incident's suggestions now lead with an advanced unit.
    await expect.poll(() => best.textContent(), { timeout: 15_000 }).toContain('· ALS ·');
    expect(await best.getAttribute('class')).toContain('assign__btn--preferred');
    expect(await editor.locator('summary small').textContent()).toMatch(/^set by sam /);
    await screenshot(page, 'shift-run-cards');

    // A card that lists a type twice is refused with the core's sentence, and nothing changes.
    await editor.getByLabel(`card ${n} unit types`).fill('ALS, als');
    await editor.getByRole('button', { name: 'Save run cards for the centre' }).click();
    await expect.poll(() => editor.getByRole('status').textContent(), { timeout: 10_000 }).toContain('A unit type is listed twice.');
    expect(await best.textContent()).toContain('· ALS ·');
    expect(errors).toEqual([]);
  });

  it("links a patient's ambulance request to the call it became from the patient card, and the call's report then tells its hospital offers", async () => {
    const incident = sim.world.createIncident({ type: 'Fall', priority: 2, address: '1 Pike St, Seattle, WA', location: { lat: 47.6042, lon: -122.324 } });
    const patient = await connectDevice(['--role', 'patient', '--sub', 'P-88', '--patient-id', 'P-88']);
    expect((await emitAck(patient, 'ambulance_request', { latitude: 47.6041, longitude: -122.3239, emergency_details: { type: 'fall' } })).ok).toBe(true);
    const dana = await open('dana');
    await openView(dana.page, 'patients');
    await dana.page.getByLabel('Patient id').fill('P-88');
    await dana.page.getByRole('button', { name: 'Watch patient' }).click();
    const card = dana.page.locator('[data-patient="P-88"]');
    // The open call nearest the patient is offered first.
    const choice = card.getByLabel('Incident this request became');
    await expect.poll(() => choice.inputValue(), { timeout: 15_000 }).toBe(incident.id);
    await card.getByRole('button', { name: 'Link' }).click();
    await expect.poll(() => card.getByRole('status').textContent(), { timeout: 10_000 }).toContain(`Linked to incident ${incident.id}`);
    await screenshot(dana.page, 'shift-request-linked');
    expect(dana.errors).toEqual([]);

    const sam = await open('sam');
    await openView(sam.page, 'replay');
    await sam.page.locator('[data-replay-tab="report"]').click();
    await sam.page.getByTestId('incident-report-id').fill(incident.id);
    await sam.page.getByTestId('incident-report-go').click();
    const report = sam.page.locator('[data-testid="incident-report"][data-ready="1"]');
    await report.waitFor({ timeout: 20_000 });
    expect(await report.textContent()).toMatch(/linked to this incident by dana/);
    expect(sam.errors).toEqual([]);
  });

  it("draws the response-rate chart up to the tile's value, never above it", async () => {
    const patient = await connectDevice(['--role', 'patient', '--sub', 'P-77', '--patient-id', 'P-77']);
    const h1 = await connectDevice(['--role', 'hospital', '--sub', 'h1', '--hospital-id', 'H1']);
    const offered = new Promise<{ request_id: string }>((resolve) => h1.once('ambulance_request', resolve));
    expect((await emitAck(patient, 'ambulance_request', { latitude: 47.6041, longitude: -122.3239, emergency_details: { type: 'fall' } })).ok).toBe(true);
    expect((await emitAck(h1, 'hospital_response', { request_id: (await offered).request_id, response: 'accepted', eta_minutes: 5 })).ok).toBe(true);
    // A second request nobody has answered yet: half the requests are answered.
    expect((await emitAck(patient, 'ambulance_request', { latitude: 47.6041, longitude: -122.3239, emergency_details: { type: 'fall' } })).ok).toBe(true);
    const { page, errors } = await open('sam');
    await openView(page, 'statistics');
    const tile = page.getByTestId('stat-response-rate').locator('.figure__value');
    await expect.poll(() => tile.textContent(), { timeout: 15_000 }).toMatch(/%$/);
    const chart = page.locator('svg[aria-label="Response rate"]');
    await chart.waitFor();
    const tileValue = Number((await tile.textContent())!.replace('%', ''));
    expect(tileValue).toBeGreaterThan(0);
    expect(tileValue).toBeLessThanOrEqual(100);
    expect(Number(await chart.getAttribute('data-max'))).toBe(tileValue);
    await screenshot(page, 'shift-statistics');
    expect(errors).toEqual([]);
  });
});
