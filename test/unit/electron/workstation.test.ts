import fs from 'node:fs';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import type { AttachedRuntime, EmbeddedRuntime } from '../../../src/main/window/appShell';
import { decideMode, loadWorkstationSettings, workstationFile } from '../../../src/main/workstation/settings';
import { startTestCore, type TestCore } from '../../helpers/core';
import { waitFor } from '../../helpers/waitFor';
import { electronModule, fake, FakeBrowserWindow, FakeNotification } from './fakeElectron';
import { callCore, callDesktop, consoleWindowOf, freshElectron, quitShell, readyShell, startTestShell } from './shellHarness';

vi.mock('electron', () => import('./fakeElectron').then((m) => m.electronModule));

/**
 * Embedded or attached: how a workstation's mode is chosen (flag, environment,
 * the saved choice, or the first-start setup screen), remembered per user and
 * changed by an admin; and an attached workstation that starts no core and
 * reaches a real centre over the same contract.
 */

const PIN = 'AB:'.repeat(31) + 'CD';
const PASSWORD = 'correct horse';

let centre: TestCore;
beforeAll(async () => {
  centre = await startTestCore({ logLevel: 'warn' });
  await centre.core.operators.add('dana', PASSWORD, 'dispatcher');
  await centre.core.operators.add('ada', PASSWORD, 'admin');
});
afterAll(async () => {
  await centre.close();
});
beforeEach(freshElectron);
afterEach(quitShell);

describe('choosing the mode', () => {
  it('a flag wins over the environment, which wins over the saved choice; with none of them the setup screen asks', () => {
    const saved = { choice: { mode: 'embedded' as const }, startAtLogin: false, chosenAt: '2026-01-01T00:00:00.000Z' };
    const env = { SWITCHBOARD_ATTACH_URL: 'https://centre.example:8780', SWITCHBOARD_ATTACH_PIN: PIN.toLowerCase() };
    expect(decideMode(['--attach', 'https://flag.example:8780/console?x=1'], env, saved)).toEqual({
      kind: 'chosen',
      choice: { mode: 'attached', url: 'https://flag.example:8780', pin: PIN },
      source: 'flag'
    });
    expect(decideMode(['--embedded'], env, saved)).toMatchObject({ kind: 'chosen', choice: { mode: 'embedded' }, source: 'flag' });
    expect(decideMode([], env, saved)).toEqual({ kind: 'chosen', choice: { mode: 'attached', url: 'https://centre.example:8780', pin: PIN }, source: 'env' });
    expect(decideMode([], {}, saved)).toMatchObject({ kind: 'chosen', choice: { mode: 'embedded' }, source: 'saved' });
    expect(decideMode([], {}, null)).toEqual({ kind: 'ask' });
  });

  it('refuses contradictory or malformed choices with a sentence to act on', () => {
    expect(decideMode(['--attach', 'https://a', '--embedded'], {}, null)).toMatchObject({ kind: 'invalid', message: expect.stringContaining('contradict') });
    expect(decideMode(['--attach', 'ftp://centre'], {}, null)).toMatchObject({ kind: 'invalid', message: expect.stringContaining('http:// or https://') });
    expect(decideMode(['--attach=https://centre', '--pin', 'ZZ:TOP'], {}, null)).toMatchObject({ kind: 'invalid', message: expect.stringContaining('64 hex digits') });
    expect(decideMode([], { SWITCHBOARD_MODE: 'cloud' }, null)).toMatchObject({ kind: 'invalid', message: expect.stringContaining('SWITCHBOARD_MODE') });
  });

  it('an invalid flag stops the start with a dialog, before any core starts', async () => {
    expect(await readyShell({ argv: ['--attach', 'not a url'] })).toBeNull();
    expect(electronModule.dialog.showErrorBox).toHaveBeenCalledWith('Switchboard: workstation mode', expect.stringContaining('--attach'));
    expect(electronModule.app.exit).toHaveBeenCalledWith(2);
    expect(fs.existsSync(path.join(fake.app.userDataDir, 'data'))).toBe(false);
  });
});

describe('the first start', () => {
  it('asks on the setup screen; choosing embedded starts the core, opens the console and is remembered for the next start', async () => {
    const { handle } = startTestShell();
    fake.app.fireReady();
    const setup = await waitFor('the setup screen', () => FakeBrowserWindow.instances[0]);
    expect(setup.loaded.hash).toBe('/setup');
    expect(await callDesktop(setup.webContents, 'workstation.info')).toMatchObject({ ok: true, value: { mode: 'setup' } });
    // A page that is not ours cannot answer it.
    setup.webContents.mainFrame.url = 'https://evil.example/';
    expect(await callDesktop(setup.webContents, 'workstation.choose', { mode: 'embedded' })).toMatchObject({ ok: false, error: { code: 'UNTRUSTED_SENDER' } });
    setup.webContents.mainFrame.url = `file://${path.resolve('/opt/switchboard/out/renderer/index.html')}#/setup`;
    expect(await callDesktop(setup.webContents, 'workstation.choose', { mode: 'embedded' })).toEqual({ ok: true, value: { chosen: 'embedded' } });

    const runtime = (await handle.ready) as EmbeddedRuntime;
    expect(runtime.mode).toBe('embedded');
    expect((await fetch(`${runtime.core.url}/api/openapi.json`)).status).toBe(200);
    const consoleWindow = consoleWindowOf(runtime);
    expect(consoleWindow).not.toBe(setup);
    expect(setup.isDestroyed()).toBe(true);
    expect(loadWorkstationSettings(workstationFile(fake.app.userDataDir)).settings).toMatchObject({ choice: { mode: 'embedded' } });
    await quitShell();

    // The next start does not ask.
    freshElectronKeepingUserData();
    const again = (await readyShell()) as EmbeddedRuntime;
    expect(again.mode).toBe('embedded');
    expect(FakeBrowserWindow.instances.every((w) => !w.loaded.hash)).toBe(true);
  });

  it('a mistyped pin is refused on the setup screen, in the main process’s words, and nothing is kept', async () => {
    const { handle } = startTestShell();
    fake.app.fireReady();
    const setup = await waitFor('the setup screen', () => FakeBrowserWindow.instances[0]);
    const answer = await callDesktop(setup.webContents, 'workstation.choose', { mode: 'attached', url: 'https://127.0.0.1:9', pin: PIN });
    expect(answer).toMatchObject({ ok: false, error: { code: 'VALIDATION_FAILED', message: expect.stringContaining('Could not reach https://127.0.0.1:9') } });
    expect(loadWorkstationSettings(workstationFile(fake.app.userDataDir)).settings).toBeNull();
    // Closing the screen without a choice quits.
    setup.close();
    expect(await handle.ready).toBeNull();
  });
});

/** A new app run on the same machine and user: the same userData folder. */
function freshElectronKeepingUserData() {
  const userData = fake.app.userDataDir;
  freshElectron();
  fake.app.userDataDir = userData;
}

describe('an attached workstation', () => {
  it('starts no core, and its console window signs in and works at the centre over the same contract', async () => {
    const runtime = (await readyShell({ argv: ['--attach', centre.core.url] })) as AttachedRuntime;
    expect(runtime.mode).toBe('attached');
    expect(fs.existsSync(path.join(fake.app.userDataDir, 'data'))).toBe(false);
    const window = consoleWindowOf(runtime);
    await waitFor('the link to the centre', () => runtime.attached.link.state() === 'up');
    expect(await callCore(window.webContents, 'auth.signIn', { username: 'dana', password: PASSWORD })).toMatchObject({ ok: true, value: { username: 'dana' } });
    expect(await callCore(window.webContents, 'system.info')).toMatchObject({ ok: true, value: { transport: 'socket', url: centre.core.url } });
    expect(await callDesktop(window.webContents, 'workstation.info')).toMatchObject({ ok: true, value: { mode: 'attached', url: centre.core.url, source: 'flag' } });
    // The page itself connects nowhere: its CSP names no core origin.
    let headers: Record<string, string[]> = {};
    fake.session.defaultSession.headersListener!({ responseHeaders: {} }, (r) => (headers = (r as { responseHeaders: typeof headers }).responseHeaders));
    expect(headers['Content-Security-Policy']![0]).not.toContain(new URL(centre.core.url).origin);
    // The flag was remembered on this first start.
    expect(loadWorkstationSettings(workstationFile(fake.app.userDataDir)).settings).toMatchObject({ choice: { mode: 'attached', url: centre.core.url } });

    // A critical alert at the centre is a native notification here.
    centre.core.alerts.raise({ key: 'patient:p3:arrest', kind: 'patient', severity: 'critical', title: 'Cardiac arrest, patient p3', message: 'CPR in progress.', source: 'test' });
    await waitFor('a native notification', () => FakeNotification.instances.length === 1);
    expect(FakeNotification.instances[0]!.options).toMatchObject({ title: 'Cardiac arrest, patient p3', urgency: 'critical' });
  });

  it('only an admin signed in on the workstation may change its mode; the change applies at the next start', async () => {
    const runtime = (await readyShell({ env: { SWITCHBOARD_ATTACH_URL: centre.core.url } })) as AttachedRuntime;
    const window = consoleWindowOf(runtime);
    await waitFor('the link to the centre', () => runtime.attached.link.state() === 'up');
    expect(await callDesktop(window.webContents, 'workstation.change', { mode: 'embedded' })).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
    await callCore(window.webContents, 'auth.signIn', { username: 'dana', password: PASSWORD });
    expect(await callDesktop(window.webContents, 'workstation.change', { mode: 'embedded' })).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
    await callCore(window.webContents, 'auth.signOut');
    await callCore(window.webContents, 'auth.signIn', { username: 'ada', password: PASSWORD });
    expect(await callDesktop(window.webContents, 'workstation.change', { mode: 'embedded' })).toEqual({ ok: true, value: { saved: true, appliesAt: 'next start' } });
    expect(loadWorkstationSettings(workstationFile(fake.app.userDataDir)).settings).toMatchObject({ choice: { mode: 'embedded' } });
    // Still attached for this run.
    expect(runtime.attached.link.state()).toBe('up');
  });
});
