import Sqlite from 'better-sqlite3';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCadSimulator, type CadSimulator } from '../../src/main/cadsim/cadSimulator';
import { addOperator, CLI, ensureBuilt, launchBrowser, openPage, openView, ROOT, screenshot, signIn, startServer, tempDataDir, type RunningServer, type WatchedPage } from '../helpers/browser';
import { connectDevice, emitAck } from '../helpers/e2eDevices';
import { STATE_DEADLINE_MS } from '../helpers/waitFor';

/**
 * Issue 20's "done when", in Chromium against `switchboard serve` with the
 * demo's CAD simulator running (units driving, calls arriving): a call with a
 * reassignment (the CAD diverts its first crew to another call), a critical
 * alert acknowledged by dana, a CAD outage. The live console's store is
 * recorded at three moments; replay mode, opened by a supervisor at those
 * moments, must hold the same map and boards.
 */

const PASSWORD = 'correct horse battery';
const CAD_TOKEN = 'e2e-cad-token-replay-4d2a';
const CALL = { id: 'INC-000777', type: 'cardiac arrest', address: '500 Pine St, Seattle, WA', priority: 1, location: { lat: 47.6114, lon: -122.3367 } };
const DIVERSION = { id: 'INC-000778', type: 'traffic collision', address: '400 Pike St, Seattle, WA', priority: 1, location: { lat: 47.6102, lon: -122.3384 } };

let browser: Browser;
let cad: CadSimulator;
let server: RunningServer;
let dataDir: string;
const pages: WatchedPage[] = [];

interface Picture {
  units: Array<{ id: string; status: string; lat: number; lon: number; incidentId: string | null }>;
  incidents: Array<{ id: string; status: string; units: string[] }>;
}
interface Debug {
  __switchboardDebug: {
    units(): Picture['units'];
    incidents(): Picture['incidents'];
    replay(): Picture & {
      at: number;
      alerts: Array<{ id: string; acknowledged_by: string | null }>;
      chain: { ok: boolean; from_id: number; to_id: number; first_bad: { reason: string } | null } | null;
      cadLink: string;
      keyframe: { reason: string } | null;
    };
  };
}

async function open(username: string, view: string): Promise<Page> {
  const watched = await openPage(browser, server.url);
  await watched.page.addInitScript(() => localStorage.setItem('switchboard.debug', '1'));
  await watched.page.reload();
  pages.push(watched);
  await signIn(watched.page, username, PASSWORD);
  await openView(watched.page, view);
  return watched.page;
}

const normal = (p: Picture): Picture => ({
  units: [...p.units].sort((a, b) => a.id.localeCompare(b.id)).map((u) => ({ ...u, lat: Math.round(u.lat * 1e6) / 1e6, lon: Math.round(u.lon * 1e6) / 1e6 })),
  incidents: [...p.incidents].sort((a, b) => a.id.localeCompare(b.id)).map((i) => ({ id: i.id, status: i.status, units: i.units }))
});
const livePicture = async (page: Page) => normal(await page.evaluate(() => ({ units: (window as unknown as Debug).__switchboardDebug.units(), incidents: (window as unknown as Debug).__switchboardDebug.incidents() })));

/**
 * The live store just before and just after a moment. The push of a change
 * reaches the console a little after the core applied it, so at the moment
 * itself each unit and call is as in one of the two: replay must match one.
 */
async function recordMoment(page: Page): Promise<{ at: number; before: Picture; after: Picture }> {
  const before = await livePicture(page);
  const at = Date.now();
  const after = await livePicture(page);
  return { at, before, after };
}

function expectSamePicture(replayed: Picture, moment: { before: Picture; after: Picture }) {
  const r = normal(replayed);
  expect(r.units.map((u) => u.id)).toEqual(moment.before.units.map((u) => u.id));
  for (const unit of r.units) {
    const candidates = [moment.before, moment.after].map((p) => p.units.find((u) => u.id === unit.id));
    expect(candidates, `unit ${unit.id}`).toContainEqual(unit);
  }
  const ids = new Set([...moment.before.incidents, ...moment.after.incidents].map((i) => i.id));
  for (const incident of r.incidents) {
    expect(ids.has(incident.id), `incident ${incident.id} was on the live board`).toBe(true);
    expect([moment.before, moment.after].map((p) => p.incidents.find((i) => i.id === incident.id)), `incident ${incident.id}`).toContainEqual(incident);
  }
}

/** `datetime-local` with milliseconds, in the browser's local time, as Chromium writes it back (no trailing zeros). */
const localInput = (ms: number) => new Date(ms - new Date(ms).getTimezoneOffset() * 60_000).toISOString().slice(0, 23).replace(/\.?0+$/, '');

async function replayAt(page: Page, at: number) {
  await page.getByTestId('replay-moment').fill(localInput(at));
  await page.getByTestId('replay-go').click();
  await page.waitForFunction((want) => (window as unknown as Debug).__switchboardDebug.replay().at === want, at, { timeout: STATE_DEADLINE_MS });
  return page.evaluate(() => (window as unknown as Debug).__switchboardDebug.replay());
}

beforeAll(async () => {
  ensureBuilt();
  dataDir = tempDataDir('switchboard-e2e-replay-');
  addOperator(dataDir, 'dana', PASSWORD, 'dispatcher');
  addOperator(dataDir, 'sue', PASSWORD, 'supervisor');
  // The demo's CAD world: units drive every second and calls arrive (four a minute); assigning them is the dispatcher's.
  cad = await createCadSimulator({ token: CAD_TOKEN, tickMs: 1_000, units: 10, incidentsPerMinute: 4, autoDispatch: false });
  // Keyframes every 10 s: the moments below are rebuilt from a periodic keyframe and the rows after it, as on a long shift.
  server = await startServer('serve', ['--cad-url', cad.url, '--cad-token', CAD_TOKEN], dataDir, { SWITCHBOARD_KEYFRAME_SECONDS: '10' });
  browser = await launchBrowser();
});

afterAll(async () => {
  await browser?.close();
  await server?.stop();
  await cad?.close();
});

describe('the flight recorder in the console', () => {
  it('replays three moments as the live console held them, reports the incident verifiably, and flags a tampered row', async () => {
    const dana = await open('dana', 'dispatch');
    await dana.waitForFunction(() => (window as unknown as Debug).__switchboardDebug.units().length === 10, undefined, { timeout: STATE_DEADLINE_MS });
    const beforeIncident = await recordMoment(dana);

    // A P1 call: dana assigns the first unit the console offers, then reassigns to the next.
    cad.world.createIncident(CALL);
    await dana.locator(`[data-incident="${CALL.id}"]`).first().click();
    const offered = dana.getByTestId(`assign-${CALL.id}`).locator('button');
    await offered.first().click();
    await dana.waitForFunction((id) => (window as unknown as Debug).__switchboardDebug.incidents().find((i) => i.id === id)?.units.length === 1, CALL.id, { timeout: STATE_DEADLINE_MS });
    const first = cad.state.incidents.get(CALL.id)!.assigned_units[0]!;
    // The console offers the next nearest once the first is taken: dana sends it too (the call is reassigned to two crews).
    await dana.waitForFunction(([incident, unit]) => !document.querySelector(`[data-testid="assign-${incident}"] [data-unit="${unit}"]`), [CALL.id, first], { timeout: STATE_DEADLINE_MS });
    await offered.first().click();
    await dana.waitForFunction((id) => (window as unknown as Debug).__switchboardDebug.incidents().find((i) => i.id === id)?.units.length === 2, CALL.id, { timeout: STATE_DEADLINE_MS });
    // The CAD diverts the first crew to a second P1 call nearby: the call is reassigned to the crew dana sent next.
    cad.world.assign(cad.state.units.get(first)!, cad.world.createIncident(DIVERSION));
    await dana.waitForFunction(
      ([id, unit, diversion]) => {
        const debug = (window as unknown as Debug).__switchboardDebug;
        const units = debug.incidents().find((i) => i.id === id)?.units ?? [];
        return units.length === 1 && !units.includes(unit) && debug.units().find((u) => u.id === unit)?.incidentId === diversion;
      },
      [CALL.id, first, DIVERSION.id] as const,
      { timeout: STATE_DEADLINE_MS }
    );

    // A monitor's critical reading; dana acknowledges it by name.
    const monitor = await connectDevice(server.url, dataDir, ['--role', 'device', '--sub', 'monitor-3', '--device-id', 'MON-3', '--device-type', 'monitor', '--patient-id', 'P-77']);
    expect(await emitAck(monitor, 'device_data', { data_type: 'heart_rate', values: { heart_rate: 195 }, patient_id: 'P-77' })).toMatchObject({ ok: true });
    monitor.disconnect();
    const banner = dana.getByTestId('critical-banner');
    await banner.getByRole('button', { name: 'Acknowledge' }).click();
    await banner.waitFor({ state: 'detached' });
    const midIncident = await recordMoment(dana);

    // The CAD goes away: the link-down alert is raised (after its 30 s grace).
    cad.setReachable(false);
    await dana.locator('[data-testid="strip-cad"][data-level="bad"]').waitFor();
    const sue = await open('sue', 'replay');
    await dana.waitForFunction(() => (window as unknown as { __switchboardDebug: { alerts(): Array<{ severity: string }> } }).__switchboardDebug.alerts().some((a) => a.severity === 'warning'), undefined, { timeout: STATE_DEADLINE_MS });
    const duringOutage = await recordMoment(dana);
    cad.setReachable(true);

    // Replay at the three moments: the same map and boards.
    const replayed1 = await replayAt(sue, beforeIncident.at);
    expectSamePicture(replayed1, beforeIncident);
    expect(replayed1.incidents.some((i) => i.id === CALL.id)).toBe(false);
    const replayed2 = await replayAt(sue, midIncident.at);
    expectSamePicture(replayed2, midIncident);
    expect(replayed2.alerts.find((a) => a.acknowledged_by === 'dana')).toBeTruthy();
    await screenshot(sue, 'replay-mid-incident');
    const replayed3 = await replayAt(sue, duringOutage.at);
    expectSamePicture(replayed3, duringOutage);
    expect(replayed3.cadLink).toBe('down');
    // The outage came more than 30 s into the run: its picture rests on a periodic keyframe, not the one written at start.
    expect(replayed3.keyframe?.reason).toBe('periodic');
    expect(replayed3.chain?.ok).toBe(true);
    expect(await sue.getByTestId('replay-banner').textContent()).toMatch(/REPLAY · NOT LIVE · READ-ONLY/);
    // Every control of the replayed views sits in a disabled fieldset: nothing in a replay can act.
    expect(await sue.getByTestId('replay-readonly').getAttribute('disabled')).not.toBeNull();
    const kinds = await sue.locator('.replay-timeline__bar .replay-mark').evaluateAll((els) => els.map((e) => e.getAttribute('data-kind')));
    expect(kinds).toEqual(expect.arrayContaining(['incident', 'assignment', 'alert', 'cad_down']));
    await screenshot(sue, 'replay-outage');
    await sue.locator('[data-replay-tab="board"]').click();
    await screenshot(sue, 'replay-board');

    // Play from before the call at 60x: the picture moves on.
    await replayAt(sue, beforeIncident.at);
    await sue.getByTestId('replay-speed').selectOption('60');
    await sue.getByTestId('replay-play').click();
    await sue.waitForFunction((t) => (window as unknown as Debug).__switchboardDebug.replay().at > t + 10_000, beforeIncident.at, { timeout: STATE_DEADLINE_MS });
    await sue.getByTestId('replay-play').click();

    // The incident's report: every step, and evidence that verify --export accepts.
    await sue.locator('[data-replay-tab="report"]').click();
    await sue.getByTestId('incident-report-id').fill(CALL.id);
    await sue.getByTestId('incident-report-go').click();
    await sue.locator('[data-testid="incident-report"][data-ready="1"]').waitFor();
    const steps = await sue.getByTestId('incident-report-steps').textContent();
    expect(steps).toMatch(/Call received/);
    expect(steps).toMatch(/Sent assignment:send.*dana/);
    expect(steps).toContain(`${first} reassigned to ${DIVERSION.id}`);
    expect(steps).toMatch(/Critical alert acknowledged.*dana/);
    await screenshot(sue, 'replay-incident-report');
    const out = path.join(tempDataDir('switchboard-e2e-report-'), 'report.json');
    const cli = spawnSync(process.execPath, [CLI, 'incident-report', CALL.id, '--out', out, '--data-dir', dataDir], { cwd: ROOT, encoding: 'utf8' });
    expect(cli.status, cli.stderr).toBe(0);
    const verify = spawnSync(process.execPath, [CLI, 'verify', '--export', out.replace(/\.json$/, '.evidence.ndjson'), '--data-dir', dataDir], { encoding: 'utf8' });
    expect(verify.status, verify.stdout + verify.stderr).toBe(0);

    // Rows edited by hand: the first the report rests on, and the last the mid-incident picture rests on (that
    // picture may start from a keyframe taken after the call). The report and the replay say the chain is broken.
    const report = JSON.parse(fs.readFileSync(out, 'utf8')) as { evidence: { first_id: number } };
    const db = new Sqlite(path.join(dataDir, 'switchboard.db'));
    for (const id of [report.evidence.first_id, replayed2.chain!.to_id]) db.prepare("UPDATE socket_logs SET user_id = 'mallory' WHERE id = ?").run(id);
    db.close();
    await sue.getByTestId('incident-report-go').click();
    await sue.getByTestId('incident-report-chain').filter({ hasText: 'CHAIN BROKEN' }).waitFor();
    await sue.locator('[data-replay-tab="map"]').click();
    await replayAt(sue, midIncident.at);
    await sue.getByTestId('replay-chain-broken').waitFor();
    await screenshot(sue, 'replay-chain-broken');
    for (const p of pages) expect(p.errors.filter((e) => !/WebSocket|net::ERR/.test(e))).toEqual([]);
  });
});
