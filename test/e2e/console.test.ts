import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import type { Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isMethodName } from '../../src/shared/contract';
import {
  CLI,
  addOperator,
  ensureBuilt,
  launchBrowser,
  openPage,
  openView,
  screenshot,
  settled,
  unitsAtRest,
  signIn,
  startServer,
  tempDataDir,
  type RunningServer,
  type WatchedPage
} from '../helpers/browser';
import { cliToken, connectDevice as connectToHub, emitAck } from '../helpers/e2eDevices';
import { getJson } from '../helpers/rest';

/**
 * The console in Chromium against `switchboard serve`, with field devices
 * connecting through the hub's real Socket.IO protocol from this process.
 */

let server: RunningServer;
let browser: Browser;
const pages: WatchedPage[] = [];
const devices: Socket[] = [];
const PASSWORD = 'correct horse battery';

const deviceToken = (args: string[]) => cliToken(server.dataDir, args);

async function connectDevice(args: string[]): Promise<Socket> {
  const socket = await connectToHub(server.url, server.dataDir, args);
  devices.push(socket);
  return socket;
}

async function open(username: string, view?: string): Promise<WatchedPage> {
  const watched = await openPage(browser, server.url);
  await watched.page.addInitScript(() => localStorage.setItem('switchboard.debug', '1'));
  await watched.page.reload();
  pages.push(watched);
  await signIn(watched.page, username, PASSWORD);
  if (view) await openView(watched.page, view);
  return watched;
}

beforeAll(async () => {
  ensureBuilt();
  const dataDir = tempDataDir();
  addOperator(dataDir, 'dana', PASSWORD, 'dispatcher');
  addOperator(dataDir, 'sam', PASSWORD, 'admin');
  addOperator(dataDir, 'audrey', PASSWORD, 'auditor');
  server = await startServer('serve', [], dataDir);
  browser = await launchBrowser();
});

afterAll(async () => {
  devices.splice(0).forEach((d) => d.disconnect());
  await browser?.close();
  await server?.stop();
});

describe('the control-room console', () => {
  it('refuses a wrong password, then signs in and shows every view of an admin without errors or outside requests', async () => {
    const watched = await openPage(browser, server.url);
    pages.push(watched);
    const { page, errors } = watched;
    const outside: string[] = [];
    const origin = new URL(server.url).origin;
    page.on('request', (req) => {
      const url = req.url();
      if (!url.startsWith(origin) && !url.startsWith('data:') && !url.startsWith('blob:')) outside.push(url);
    });
    await page.getByLabel('Username').fill('sam');
    await page.getByLabel('Password').fill('wrong password');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect.poll(() => page.getByRole('alert').textContent()).toContain('Wrong username or password');
    await screenshot(page, 'signin');
    await signIn(page, 'sam', PASSWORD);
    await page.locator('[data-map-ready="1"]').waitFor();
    await screenshot(page, 'map');
    for (const view of ['board', 'alerts', 'patients', 'statistics', 'health', 'audit', 'report']) {
      await openView(page, view);
      await screenshot(page, view);
    }
    // A reload resumes the session from sessionStorage instead of asking again.
    await page.reload();
    await page.getByTestId('status-strip').waitFor();
    expect(await page.getByTestId('operator').textContent()).toContain('sam');
    expect(outside).toEqual([]);
    expect(errors).toEqual([]);
  });

  it('shapes the views by role: an auditor sees only the log views, a dispatcher no admin actions and no view it may not use', async () => {
    const auditor = await open('audrey');
    const auditorViews = await auditor.page.locator('.nav [data-view]').evaluateAll((els) => els.map((e) => e.getAttribute('data-view')));
    // Views follow the contract's roles: the auditor may read the log's statistics, audit, report and replay, nothing else.
    expect(auditorViews).toEqual(['statistics', 'audit', 'report', 'replay']);
    const dispatcher = await open('dana', 'health');
    await dispatcher.page.getByRole('heading', { name: /CAD link/ }).waitFor();
    expect(await dispatcher.page.getByRole('button', { name: 'Reconnect CAD link' }).count()).toBe(0);
    const dispatcherViews = await dispatcher.page.locator('.nav [data-view]').evaluateAll((els) => els.map((e) => e.getAttribute('data-view')));
    expect(dispatcherViews).not.toContain('audit');
    // A dispatcher may not call log.statistics, so the view that could only say so is not offered.
    expect(dispatcherViews).not.toContain('statistics');
    expect(dispatcherViews, 'a dispatcher cannot open replays').not.toContain('replay');
    expect(await dispatcher.page.getByTestId('strip-alerts').textContent()).toContain('Critical unack.');
    expect(await auditor.page.getByTestId('strip-alerts').textContent()).toContain('not shown to auditor');
    await openView(dispatcher.page, 'map');
    expect(await dispatcher.page.getByRole('button', { name: 'Map source (admin)' }).count()).toBe(0);
    expect([...auditor.errors, ...dispatcher.errors]).toEqual([]);
  });

  it('draws crews on the map where they report, and moves them as they drive', async () => {
    const { page, errors } = await open('dana');
    await page.locator('[data-map-ready="1"]').waitFor();
    const crew = await connectDevice(['--role', 'crew', '--sub', 'crew-7', '--unit-id', 'M7']);
    const positions = () => page.evaluate(() => (window as unknown as { __switchboardDebug: { units(): Array<{ id: string; lat: number; lon: number }> } }).__switchboardDebug.units());
    expect((await emitAck(crew, 'update_location', { latitude: 47.6101, longitude: -122.3421, heading: 90, status: 'en_route' })).ok).toBe(true);
    await expect.poll(async () => (await positions()).find((u) => u.id === 'M7')?.lat).toBeCloseTo(47.6101, 4);
    await screenshot(page, 'map-unit-before');
    expect((await emitAck(crew, 'update_location', { latitude: 47.6155, longitude: -122.3302, heading: 45, status: 'en_route' })).ok).toBe(true);
    await expect.poll(async () => (await positions()).find((u) => u.id === 'M7')?.lat).toBeCloseTo(47.6155, 4);
    await unitsAtRest(page); // the glide has finished before the second picture
    await screenshot(page, 'map-unit-after');
    const after = (await positions()).find((u) => u.id === 'M7')!;
    expect(after.lon).toBeCloseTo(-122.3302, 4);
    expect(errors).toEqual([]);
  });

  it('turns an abnormal vital into an alert that the badge counts and the operator acknowledges', async () => {
    const { page, errors } = await open('dana', 'map');
    const monitor = await connectDevice(['--role', 'device', '--sub', 'monitor-1', '--device-id', 'MON-1', '--device-type', 'monitor', '--patient-id', 'P-100']);
    const sent = await emitAck(monitor, 'device_data', { data_type: 'heart_rate', values: { heart_rate: 178 }, patient_id: 'P-100' });
    expect(sent.ok).toBe(true);
    // The badge says what it counts: critical alerts, apart from warnings.
    await expect.poll(() => page.getByTestId('nav-critical').textContent(), { timeout: 10_000 }).toMatch(/^[1-9]\d* crit$/);
    expect(await page.getByTestId('status-strip').getAttribute('data-trouble')).toBe('1');
    await screenshot(page, 'alert-badge');
    await openView(page, 'alerts');
    const row = page.locator('[data-kind="vitals"][data-state="open"]').first();
    await row.waitFor();
    await screenshot(page, 'alerts-open');
    await row.getByRole('button', { name: 'Acknowledge' }).click();
    await expect.poll(() => page.locator('[data-kind="vitals"]').first().textContent()).toContain('acknowledged by dana');
    // The acknowledgement is in the socket log, attributed to the operator.
    const admin = deviceToken(['--role', 'admin', '--sub', 'sam']);
    await expect
      .poll(
        async () => {
          const body = await getJson<unknown>(`${server.url}/api/v1/socket-logs/by-event-type/alert_acknowledged`, admin);
          const rows = Array.isArray(body) ? body : ((body as { logs?: unknown[] }).logs ?? []);
          return (rows as Array<{ user_id: string | null }>).map((r) => r.user_id);
        }
      )
      .toContain('dana');
    await screenshot(page, 'alerts-acknowledged');
    expect(errors).toEqual([]);
  });

  it("follows a patient's live vitals with the alert limits drawn", async () => {
    const { page, errors } = await open('dana', 'patients');
    await page.getByLabel('Patient id').fill('P-200');
    await page.getByRole('button', { name: 'Watch patient' }).click();
    const card = page.locator('[data-patient="P-200"]');
    await card.waitFor();
    const monitor = await connectDevice(['--role', 'device', '--sub', 'monitor-2', '--device-id', 'MON-2', '--device-type', 'monitor', '--patient-id', 'P-200']);
    for (const [hr, spo2] of [[82, 97], [88, 96], [95, 95]] as const) {
      expect((await emitAck(monitor, 'device_data', { data_type: 'heart_rate', values: { heart_rate: hr }, patient_id: 'P-200' })).ok).toBe(true);
      expect((await emitAck(monitor, 'device_data', { data_type: 'spo2', values: { spo2 }, patient_id: 'P-200' })).ok).toBe(true);
    }
    // Both series update on their own frames: wait for the last reading of each.
    await expect.poll(() => card.textContent()).toContain('Heart rate: 95 bpm');
    await expect.poll(() => card.textContent()).toContain('SpO₂: 95%');
    expect(await card.textContent()).toContain('high 120');
    await screenshot(page, 'patients-live');
    expect(errors).toEqual([]);
  });

  it.skipIf(!isMethodName('log.statistics'))('shows statistics that match the REST endpoint', async () => {
    const { page, errors } = await open('sam', 'statistics');
    await page.getByTestId('stat-total').waitFor();
    const admin = deviceToken(['--role', 'admin', '--sub', 'sam']);
    const figures = async () => {
      const shown = Number((await page.getByTestId('stat-total').locator('.figure__value').textContent())!.replace(/,/g, ''));
      const start = new Date(Date.now() - 3600_000).toISOString();
      const rest = await getJson<{ total_events: number }>(`${server.url}/api/v1/socket-logs/statistics?start_date=${start}&end_date=${new Date().toISOString()}`, admin);
      return { shown, rest: rest.total_events };
    };
    // The core keeps writing now and then (a keyframe of the picture every minute), so the two
    // reads can straddle a row: the state waited for is the console showing what REST answers.
    const agree = async () => {
      const f = await figures();
      return f.shown === f.rest && f.shown > 0;
    };
    await expect.poll(agree, { timeout: 30_000 }).toBe(true);
    await screenshot(page, 'statistics-live');
    expect(errors).toEqual([]);
  });

  it.skipIf(!isMethodName('log.export'))('exports a CSV whose row count matches the filter', async () => {
    const { page, errors } = await open('sam', 'audit');
    await page.getByLabel('Event type').fill('update_location');
    await page.getByRole('button', { name: 'Apply filters' }).click();
    await expect.poll(() => page.getByTestId('log-total').textContent()).toMatch(/^\d/);
    const total = Number((await page.getByTestId('log-total').textContent())!.replace(/[^\d]/g, ''));
    expect(total).toBeGreaterThanOrEqual(2);
    await page.locator('.vt__row').first().click();
    await page.getByTestId('log-row-detail').waitFor();
    await screenshot(page, 'audit-live');
    const download = page.waitForEvent('download');
    await page.getByRole('button', { name: 'Export CSV' }).click();
    const file = await (await download).path();
    const lines = fs.readFileSync(file!, 'utf8').trim().split(/\r?\n/);
    expect(lines.length - 1).toBe(total);
    await expect.poll(() => page.getByTestId('export-progress').getAttribute('data-state')).toBe('done');
    expect(errors).toEqual([]);
  });

  it('produces a printable PDF audit report', async () => {
    const { page, errors } = await open('sam', 'report');
    await page.getByRole('heading', { name: 'Switchboard audit report' }).waitFor();
    await expect.poll(() => page.getByTestId('audit-report').getAttribute('data-ready')).toMatch(/[01]/);
    await settled(page);
    await page.emulateMedia({ media: 'print' });
    const pdfPath = path.join(path.dirname(CLI), '..', 'test-results', 'audit-report.pdf');
    fs.mkdirSync(path.dirname(pdfPath), { recursive: true });
    const pdf = await page.pdf({ path: pdfPath, format: 'A4', printBackground: true });
    expect(pdf.subarray(0, 5).toString()).toBe('%PDF-');
    const text = spawnSync('pdftotext', [pdfPath, '-'], { encoding: 'utf8' });
    if (text.status === 0) {
      expect(text.stdout).toContain('Switchboard audit report');
      expect(text.stdout).toContain('Summary');
    }
    await page.emulateMedia({ media: 'screen' });
    expect(errors).toEqual([]);
  });
});
