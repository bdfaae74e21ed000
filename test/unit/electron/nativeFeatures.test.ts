import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { EmbeddedRuntime } from '../../../src/main/window/appShell';
import { setStartAtLogin } from '../../../src/main/window/nativeActions';
import { tempDir } from '../../helpers/core';
import { electronModule, fake, FakeTray } from './fakeElectron';
import { callCore, callDesktop, consoleWindowOf, freshElectron, quitShell, readyShell } from './shellHarness';

vi.mock('electron', () => import('./fakeElectron').then((m) => m.electronModule));

/**
 * The desktop app's native side, with `electron` faked and a real core: the
 * tray's critical count, exports through a save dialog, the report as PDF and
 * start at login.
 */

beforeEach(freshElectron);
afterEach(quitShell);

async function signedInAdmin() {
  const runtime = (await readyShell({ env: { SWITCHBOARD_MODE: 'embedded' } })) as EmbeddedRuntime;
  await runtime.core.operators.add('ada', 'correct horse', 'admin');
  const window = consoleWindowOf(runtime);
  const session = (await callCore(window.webContents, 'auth.signIn', { username: 'ada', password: 'correct horse' })) as { value: { token: string } };
  return { runtime, window, token: session.value.token };
}

describe('the tray icon', () => {
  it('shows the highest unacknowledged-critical count any window reports, and forgets a closed window', async () => {
    const { runtime, window } = await signedInAdmin();
    const tray = FakeTray.instances[0]!;
    expect(tray.tooltip).toBe('Switchboard: no critical alert waiting');
    expect(await callDesktop(window.webContents, 'attention.report', { critical: 2 })).toEqual({ ok: true, value: { shown: 2 } });
    const view = window.webContents.windowOpen(`${window.webContents.mainFrame.url.split('#')[0]}#/view/alerts`)!;
    await callDesktop(view.webContents, 'attention.report', { critical: 3 });
    expect(tray.title).toBe('3');
    expect(tray.tooltip).toBe('Switchboard: 3 critical alerts unacknowledged');
    expect(electronModule.app.setBadgeCount).toHaveBeenLastCalledWith(3);
    view.close();
    expect(tray.title).toBe('2');
    expect(await callDesktop(window.webContents, 'attention.report', { critical: -1 })).toMatchObject({ ok: false, error: { code: 'VALIDATION_FAILED' } });
    // A click on the icon brings the console forward.
    runtime.window()!.minimize();
    tray.emit('click');
    expect(consoleWindowOf(runtime).restore).toHaveBeenCalled();
  });
});

describe('exports and the report', () => {
  it('saves an export of the log where the operator picks in the save dialog, and nothing when the dialog is cancelled', async () => {
    const { window, token } = await signedInAdmin();
    const job = (await callCore(window.webContents, 'log.export', { format: 'ndjson' })) as { ok: boolean; value: { url: string; filename: string; state: string } };
    expect(job).toMatchObject({ ok: true, value: { state: 'done' } });
    const target = path.join(tempDir('switchboard-save-'), 'picked.ndjson');

    fake.saveDialogAnswer = { canceled: true };
    expect(await callDesktop(window.webContents, 'export.save', { url: job.value.url, filename: job.value.filename, token })).toEqual({ ok: true, value: { saved: false } });
    expect(fs.existsSync(target)).toBe(false);

    fake.saveDialogAnswer = { canceled: false, filePath: target };
    const saved = await callDesktop(window.webContents, 'export.save', { url: job.value.url, filename: job.value.filename, token });
    expect(saved).toMatchObject({ ok: true, value: { saved: true, path: target } });
    expect(fs.statSync(target).size).toBe((saved as { value: { bytes: number } }).value.bytes);
    // The dialog proposed the core's file name in the downloads folder, as a sheet of the asking window.
    expect(electronModule.dialog.showSaveDialog).toHaveBeenLastCalledWith(window, expect.objectContaining({ defaultPath: path.join(fake.app.userDataDir, 'Downloads', job.value.filename) }));

    // Only the core's export downloads: no other path, no other host.
    for (const url of ['https://example.org/x', '/api/v1/operators', '/api/v1/socket-logs/exports/../../jwt.secret']) {
      expect(await callDesktop(window.webContents, 'export.save', { url, filename: 'x', token })).toMatchObject({ ok: false, error: { code: 'VALIDATION_FAILED' } });
    }
    // A stale token is the core's refusal, in words, and no file.
    const refused = await callDesktop(window.webContents, 'export.save', { url: job.value.url, filename: 'y', token: 'not-a-token' });
    expect(refused).toMatchObject({ ok: false, error: { code: 'UNAVAILABLE', message: expect.stringContaining('HTTP 401') } });
  });

  it('renders the report window to PDF through printToPDF and saves it', async () => {
    const { window } = await signedInAdmin();
    const target = path.join(tempDir('switchboard-pdf-'), 'report.pdf');
    fake.saveDialogAnswer = { canceled: false, filePath: target };
    expect(await callDesktop(window.webContents, 'report.savePdf', { filename: 'switchboard-report-2026-12-06' })).toMatchObject({ ok: true, value: { saved: true, path: target } });
    expect(window.webContents.printToPDF).toHaveBeenCalledWith({ printBackground: true, pageSize: 'A4', landscape: false });
    expect(fs.readFileSync(target, 'latin1').startsWith('%PDF-')).toBe(true);
  });
});

describe('start at login', () => {
  it('writes an XDG autostart entry on Linux and removes it again; elsewhere it asks Electron', () => {
    const configHome = tempDir('switchboard-xdg-');
    const setLoginItemSettings = vi.fn();
    const on = setStartAtLogin({ platform: 'linux', setLoginItemSettings, execPath: '/opt/Switchboard/switchboard', configHome }, true);
    const entry = fs.readFileSync(on.where, 'utf8');
    expect(entry).toContain('Exec="/opt/Switchboard/switchboard"');
    expect(entry).toContain('[Desktop Entry]');
    setStartAtLogin({ platform: 'linux', setLoginItemSettings, execPath: '/x', configHome }, false);
    expect(fs.existsSync(on.where)).toBe(false);
    setStartAtLogin({ platform: 'win32', setLoginItemSettings, execPath: 'C:\\Switchboard.exe' }, true);
    expect(setLoginItemSettings).toHaveBeenCalledWith({ openAtLogin: true });
  });

  it('is an admin’s setting, kept in the workstation settings', async () => {
    const { window } = await signedInAdmin();
    process.env.XDG_CONFIG_HOME = tempDir('switchboard-xdg-');
    try {
      expect(await callDesktop(window.webContents, 'workstation.startAtLogin', { enabled: true })).toMatchObject({ ok: true, value: { enabled: true } });
      expect(await callDesktop(window.webContents, 'workstation.info')).toMatchObject({ ok: true, value: { startAtLogin: true } });
      await callCore(window.webContents, 'auth.signOut');
      expect(await callDesktop(window.webContents, 'workstation.startAtLogin', { enabled: false })).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
    } finally {
      delete process.env.XDG_CONFIG_HOME;
    }
  });
});
