import net from 'node:net';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createLogger, createSecretScrubber } from '../../../src/main/core/logger';
import { shellCoreConfig, startShell, type EmbeddedRuntime, type ShellHandle } from '../../../src/main/window/appShell';
import { IPC_CALL_CHANNEL } from '../../../src/shared/contract';
import { tempDir } from '../../helpers/core';
import { electronModule, fake, FakeBrowserWindow, FakeNotification } from './fakeElectron';

vi.mock('electron', () => import('./fakeElectron').then((m) => m.electronModule));

/**
 * The Electron app's lifecycle with `electron` faked but everything else
 * real: the core starts on a free loopback port with its data under a temp
 * userData folder, and quitting really closes it.
 */

const mainDir = path.resolve('/opt/switchboard/out/main');
let handle: ShellHandle | undefined;

function shellLog() {
  const sink = new PassThrough();
  const lines: string[] = [];
  sink.on('data', (chunk: Buffer) => lines.push(chunk.toString('utf8')));
  return { log: createLogger({ level: 'info', scrubber: createSecretScrubber(), destination: sink }), text: () => lines.join('') };
}

function start(env: NodeJS.ProcessEnv = {}) {
  const { log, text } = shellLog();
  // Embedded, chosen by the environment (a first start would otherwise ask on the setup screen).
  handle = startShell({ env: { SWITCHBOARD_MODE: 'embedded', SWITCHBOARD_PORT: '0', SWITCHBOARD_LOG_LEVEL: 'warn', ...env }, mainDir, log, closeTimeoutMs: 10_000, argv: [] });
  return { handle, logText: text };
}

async function startReady(env: NodeJS.ProcessEnv = {}): Promise<EmbeddedRuntime> {
  const { handle } = start(env);
  fake.app.fireReady();
  const runtime = await handle.ready;
  if (runtime?.mode !== 'embedded') throw new Error('shell did not start embedded');
  return runtime;
}

beforeEach(() => {
  fake.app.reset();
  fake.session.defaultSession.reset();
  fake.app.userDataDir = tempDir('switchboard-userdata-');
  fake.ipcMain.handlers.clear();
  FakeBrowserWindow.instances.length = 0;
  FakeNotification.instances.length = 0;
  vi.clearAllMocks();
});

afterEach(async () => {
  // Quit whatever the test left running so no core outlives it.
  if (handle?.primary) {
    fake.app.quit();
    await handle.closed;
  }
  handle = undefined;
  vi.restoreAllMocks();
});

describe('single instance', () => {
  it('a second launch quits at once and starts no core', async () => {
    fake.app.lockAvailable = false;
    const { handle } = start();
    expect(handle.primary).toBe(false);
    expect(electronModule.app.quit).toHaveBeenCalledOnce();
    fake.app.fireReady();
    expect(await handle.ready).toBeNull();
    expect(FakeBrowserWindow.instances).toHaveLength(0);
  });

  it('the running instance brings its window forward when a second one is launched', async () => {
    await startReady();
    const window = FakeBrowserWindow.instances[0]!;
    window.minimize();
    fake.app.emit('second-instance', {}, [], '/');
    expect(window.restore).toHaveBeenCalledOnce();
    expect(window.focus).toHaveBeenCalledOnce();
  });
});

describe('start on ready', () => {
  it('starts nothing before ready, then the core, then one secure window wired to IPC', async () => {
    const { handle } = start();
    await new Promise((resolve) => setImmediate(resolve));
    expect(FakeBrowserWindow.instances).toHaveLength(0);
    fake.app.fireReady();
    const runtime = (await handle.ready) as EmbeddedRuntime;

    const openapi = await fetch(`${runtime.core.url}/api/openapi.json`);
    expect(openapi.status).toBe(200);
    expect(runtime.core.config.dataDir).toBe(path.join(fake.app.userDataDir, 'data'));

    expect(FakeBrowserWindow.instances).toHaveLength(1);
    const window = FakeBrowserWindow.instances[0]!;
    expect(window.options.webPreferences).toMatchObject({
      preload: path.resolve(mainDir, '../preload/index.js'),
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      webviewTag: false
    });
    expect(window.loaded).toEqual({ file: path.resolve(mainDir, '../renderer/index.html') });
    // The guards were applied to the window's webContents as it was created.
    expect(window.webContents.windowOpenHandler!({ url: 'https://example.org' })).toEqual({ action: 'deny' });
    expect(window.webContents.navigate('will-navigate', 'https://example.org')).toBe(false);
    // CSP and permissions are on the default session before the page loads.
    let headers: Record<string, string[]> = {};
    fake.session.defaultSession.headersListener!({ responseHeaders: {} }, (r) => (headers = (r as { responseHeaders: typeof headers }).responseHeaders));
    expect(headers['Content-Security-Policy']![0]).toContain(`connect-src 'self' ${new URL(runtime.core.url).origin}`);
    const permission = vi.fn();
    fake.session.defaultSession.permissionRequestHandler!({}, 'media', permission, {});
    expect(permission).toHaveBeenCalledWith(false);
    expect(electronModule.Menu.setApplicationMenu).toHaveBeenCalledOnce();

    // The window talks to this core over IPC.
    await runtime.core.operators.add('dana', 'correct horse', 'dispatcher');
    const answer = await fake.ipcMain.invokeFrom(window.webContents, IPC_CALL_CHANNEL, 'auth.signIn', {
      username: 'dana',
      password: 'correct horse'
    });
    expect(answer).toMatchObject({ ok: true, value: { username: 'dana', role: 'dispatcher' } });
    expect(await fake.ipcMain.invokeFrom(window.webContents, IPC_CALL_CHANNEL, 'system.info', {})).toMatchObject({
      ok: true,
      value: { transport: 'ipc' }
    });
  });

  it('reads port and data directory from SWITCHBOARD_* and defaults to 8780 under userData', () => {
    expect(shellCoreConfig({}, '/home/d/.config/Switchboard')).toMatchObject({
      port: 8780,
      dataDir: path.join('/home/d/.config/Switchboard', 'data')
    });
    expect(shellCoreConfig({ SWITCHBOARD_PORT: '9000', SWITCHBOARD_DATA_DIR: '/srv/sb' }, '/x')).toMatchObject({
      port: 9000,
      dataDir: '/srv/sb'
    });
  });

  it('says so and exits when the core cannot start (port taken)', async () => {
    const blocker = net.createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const port = (blocker.address() as net.AddressInfo).port;
    try {
      const { handle, logText } = start({ SWITCHBOARD_PORT: String(port) });
      fake.app.fireReady();
      expect(await handle.ready).toBeNull();
      expect(electronModule.dialog.showErrorBox).toHaveBeenCalledWith('Switchboard could not start', expect.stringContaining('SWITCHBOARD_PORT'));
      expect(electronModule.app.exit).toHaveBeenCalledWith(1);
      expect(FakeBrowserWindow.instances).toHaveLength(0);
      expect(logText()).toContain('core failed to start');
      await handle.closed;
    } finally {
      blocker.close();
    }
  });
});

describe('quit', () => {
  it('waits until the core has closed, then quits', async () => {
    const runtime = await startReady();
    const realClose = runtime.core.close.bind(runtime.core);
    let releaseClose!: () => void;
    const closeGate = new Promise<void>((resolve) => (releaseClose = resolve));
    vi.spyOn(runtime.core, 'close').mockImplementation(async () => {
      fake.app.timeline.push('core.close started');
      await closeGate;
      await realClose();
      fake.app.timeline.push('core.close finished');
    });

    fake.app.quit();
    // Held: the quit did not happen and the core still answers.
    expect(fake.app.timeline).toEqual(['quit()']);
    await new Promise((resolve) => setImmediate(resolve));
    expect(fake.app.timeline).toEqual(['quit()', 'core.close started']);
    expect((await fetch(`${runtime.core.url}/api/openapi.json`)).status).toBe(200);
    // A second quit request (Cmd+Q twice) does not start a second close.
    fake.app.quit();
    releaseClose();
    await handle!.closed;
    await new Promise((resolve) => setImmediate(resolve));
    expect(fake.app.timeline).toEqual(['quit()', 'core.close started', 'quit()', 'core.close finished', 'quit()', 'quit']);
    expect(runtime.core.close).toHaveBeenCalledOnce();
    await expect(fetch(`${runtime.core.url}/api/openapi.json`)).rejects.toThrow();
    expect(fake.ipcMain.handlers.has(IPC_CALL_CHANNEL)).toBe(false);
  });

  it('a quit while the core is still starting closes it once started, and opens no window', async () => {
    const { handle } = start();
    // Permissions are locked down just before the core starts: quit right after that.
    const session = fake.session.defaultSession;
    const setDevicePermissionHandler = session.setDevicePermissionHandler.bind(session);
    vi.spyOn(session, 'setDevicePermissionHandler').mockImplementation((handler) => {
      setDevicePermissionHandler(handler);
      queueMicrotask(() => fake.app.quit());
    });
    fake.app.fireReady();
    expect(await handle.ready).toBeNull();
    expect(fake.app.timeline[0]).toBe('quit()');
    await handle.closed;
    expect(FakeBrowserWindow.instances).toHaveLength(0);
    expect(fake.app.timeline.at(-1)).toBe('quit');
  });

  it('a quit before ready starts no core at all', async () => {
    const { handle } = start();
    fake.app.quit();
    await handle.closed;
    fake.app.fireReady();
    expect(await handle.ready).toBeNull();
    expect(fake.session.defaultSession.permissionRequestHandler).toBeNull();
  });

  it('also holds a will-quit that arrives without before-quit', async () => {
    const runtime = await startReady();
    const willQuit = { defaultPrevented: false, preventDefault: () => (willQuit.defaultPrevented = true) };
    fake.app.emit('will-quit', willQuit);
    expect(willQuit.defaultPrevented).toBe(true);
    await handle!.closed;
    await expect(fetch(`${runtime.core.url}/api/openapi.json`)).rejects.toThrow();
  });

  it('quits when the last window closes (outside macOS)', async () => {
    await startReady();
    const quit = vi.mocked(electronModule.app.quit);
    quit.mockClear();
    FakeBrowserWindow.instances[0]!.close();
    fake.app.emit('window-all-closed');
    if (process.platform !== 'darwin') expect(quit).toHaveBeenCalled();
    await handle!.closed;
  });

  it('remembers the window where it was on close', async () => {
    const runtime = await startReady();
    expect(runtime.window()).toBe(FakeBrowserWindow.instances[0]);
    FakeBrowserWindow.instances[0]!.close();
    expect(runtime.window()).toBeNull();
    const { loadWindowState, windowStateFile } = await import('../../../src/main/window/windowState');
    expect(loadWindowState(windowStateFile(fake.app.userDataDir), fake.displays.map((d) => d.workArea)).state).toMatchObject({
      width: 1440,
      height: 900
    });
  });
});

describe('critical alert notifications', () => {
  it('shows a native notification for a critical alert, and a click brings the console forward', async () => {
    const runtime = await startReady();
    runtime.core.alerts.raise({
      key: 'unit:m12:stale',
      kind: 'device_stale',
      severity: 'warning',
      title: 'Medic 12 silent',
      message: 'No position from Medic 12 for 2 minutes.',
      source: 'test'
    });
    expect(FakeNotification.instances).toHaveLength(0);
    runtime.core.alerts.raise({
      key: 'patient:p9:arrest',
      kind: 'patient',
      severity: 'critical',
      title: 'Cardiac arrest, patient p9',
      message: 'Crew reports cardiac arrest; CPR in progress.',
      source: 'test'
    });
    expect(FakeNotification.instances).toHaveLength(1);
    const notification = FakeNotification.instances[0]!;
    expect(notification.options).toMatchObject({ title: 'Cardiac arrest, patient p9', urgency: 'critical' });
    expect(notification.show).toHaveBeenCalledOnce();
    notification.emit('click');
    expect(FakeBrowserWindow.instances[0]!.focus).toHaveBeenCalled();
  });
});
