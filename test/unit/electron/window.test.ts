import type { Session, WebContents } from 'electron';
import fs from 'node:fs';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { buildContentSecurityPolicy, installContentSecurityPolicy } from '../../../src/main/window/contentSecurityPolicy';
import { denyAllPermissions, guardWebContents } from '../../../src/main/window/guards';
import { createMainWindow, mainWindowOptions, secureWebPreferences } from '../../../src/main/window/mainWindow';
import { buildMenuTemplate } from '../../../src/main/window/menu';
import { isTrustedRendererUrl, type RendererLocation } from '../../../src/main/window/rendererLocation';
import { createLogger, createSecretScrubber } from '../../../src/main/core/logger';
import { tempDir } from '../../helpers/core';
import { fake, FakeBrowserWindow, FakeWebContents } from './fakeElectron';

vi.mock('electron', () => import('./fakeElectron').then((m) => m.electronModule));

const location: RendererLocation = { kind: 'file', indexPath: '/opt/switchboard/out/renderer/index.html' };
const consoleUrl = 'file:///opt/switchboard/out/renderer/index.html';

function capturingLog() {
  const lines: string[] = [];
  const sink = new PassThrough();
  sink.on('data', (chunk: Buffer) => lines.push(chunk.toString('utf8')));
  const log = createLogger({ level: 'info', scrubber: createSecretScrubber(), destination: sink });
  return { log, text: () => lines.join('') };
}

beforeEach(() => {
  FakeBrowserWindow.instances.length = 0;
});

describe('the console window', () => {
  it('runs the renderer isolated, sandboxed and without Node or webviews', () => {
    const prefs = secureWebPreferences('/app/out/preload/index.js');
    expect(prefs).toMatchObject({
      preload: '/app/out/preload/index.js',
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webviewTag: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      devTools: false
    });
    expect(Object.isFrozen(prefs)).toBe(true);
    expect(secureWebPreferences('/p.js', true).devTools).toBe(true);
  });

  it('opens where it was left, maximized if it was, and loads only the built console', () => {
    const userData = tempDir();
    const stateFile = path.join(userData, 'window-state.json');
    fs.writeFileSync(stateFile, JSON.stringify({ x: 50, y: 60, width: 1300, height: 800, maximized: true }));
    const { log } = capturingLog();
    const window = createMainWindow({ location, preloadPath: '/app/out/preload/index.js', stateFile, devTools: false, log });
    const created = FakeBrowserWindow.instances[0]!;
    expect(window).toBe(created);
    expect(created.options).toMatchObject({ x: 50, y: 60, width: 1300, height: 800, show: false });
    expect((created.options.webPreferences as Record<string, unknown>).sandbox).toBe(true);
    expect(created.isMaximized()).toBe(true);
    expect(created.loaded).toEqual({ file: location.indexPath });
    expect(created.show).not.toHaveBeenCalled();
    created.emit('ready-to-show');
    expect(created.show).toHaveBeenCalledOnce();
  });

  it('uses the default size and logs why when the saved state is corrupt', () => {
    const userData = tempDir();
    const stateFile = path.join(userData, 'window-state.json');
    fs.writeFileSync(stateFile, '{"width": "huge"');
    const { log, text } = capturingLog();
    createMainWindow({ location, preloadPath: '/p.js', stateFile, devTools: false, log });
    expect(FakeBrowserWindow.instances[0]!.options).toMatchObject({ width: 1440, height: 900, x: undefined });
    expect(text()).toContain('saved window state ignored');
  });

  it('keeps a minimum size so the dispatch map and alert list both fit', () => {
    expect(mainWindowOptions({ width: 1440, height: 900, maximized: false }, '/p.js')).toMatchObject({
      minWidth: 1024,
      minHeight: 640
    });
  });
});

describe('the content security policy', () => {
  it('allows only our own scripts and the local core, and forbids frames, objects and forms', () => {
    const csp = buildContentSecurityPolicy({ coreOrigin: 'http://127.0.0.1:8780' });
    const directive = (name: string) => csp.split('; ').find((d) => d.startsWith(`${name} `));
    expect(directive('default-src')).toBe("default-src 'none'");
    expect(directive('script-src')).toBe("script-src 'self'");
    expect(directive('connect-src')).toBe("connect-src 'self' http://127.0.0.1:8780 ws://127.0.0.1:8780");
    expect(directive('object-src')).toBe("object-src 'none'");
    expect(directive('frame-src')).toBe("frame-src 'none'");
    expect(directive('form-action')).toBe("form-action 'none'");
    expect(directive('base-uri')).toBe("base-uri 'none'");
    expect(csp).not.toContain('unsafe-eval');
  });

  it('loosens script-src for the dev server only while developing', () => {
    const csp = buildContentSecurityPolicy({ devServerOrigin: 'http://localhost:5173' });
    expect(csp).toContain("script-src 'self' http://localhost:5173 'unsafe-inline'");
    expect(csp).toContain('ws://localhost:5173');
  });

  it('stamps the header on every response, replacing any policy the response carried', () => {
    const session = fake.session.defaultSession;
    installContentSecurityPolicy(session as unknown as Session, "default-src 'none'");
    let result: { responseHeaders: Record<string, string[]> } | undefined;
    session.headersListener!(
      { responseHeaders: { 'content-security-policy': ['default-src *'], 'Content-Type': ['text/html'] } },
      (r) => (result = r as typeof result)
    );
    expect(result!.responseHeaders).toEqual({ 'Content-Type': ['text/html'], 'Content-Security-Policy': ["default-src 'none'"] });
  });
});

describe('navigation, pop-ups and permissions', () => {
  const guarded = () => {
    const contents = new FakeWebContents();
    const captured = capturingLog();
    guardWebContents(contents as unknown as WebContents, {
      isTrustedUrl: (url) => isTrustedRendererUrl(url, location),
      log: captured.log
    });
    return { contents, text: captured.text };
  };

  it('stays on the console page whatever a link or redirect tries', () => {
    const { contents, text } = guarded();
    expect(contents.navigate('will-navigate', 'https://evil.example/phish')).toBe(false);
    expect(contents.navigate('will-navigate', 'file:///etc/passwd')).toBe(false);
    expect(contents.navigate('will-redirect', 'http://127.0.0.1:9/')).toBe(false);
    expect(contents.navigate('will-frame-navigate', 'https://evil.example/frame')).toBe(false);
    expect(contents.navigate('will-navigate', `${consoleUrl}#/alerts`)).toBe(true);
    expect(text()).toContain('navigation blocked');
    expect(text()).toContain('evil.example');
  });

  it('denies window.open and <webview>', () => {
    const { contents, text } = guarded();
    expect(contents.windowOpenHandler!({ url: 'https://example.org' })).toEqual({ action: 'deny' });
    expect(contents.windowOpenHandler!({ url: consoleUrl })).toEqual({ action: 'deny' });
    const attach = { defaultPrevented: false, preventDefault: () => (attach.defaultPrevented = true) };
    contents.emit('will-attach-webview', attach, {}, {});
    expect(attach.defaultPrevented).toBe(true);
    expect(text()).toContain('window.open blocked');
  });

  it('refuses every permission request and check', () => {
    const session = fake.session.defaultSession;
    const { log, text } = capturingLog();
    denyAllPermissions(session as unknown as Session, log);
    for (const permission of ['media', 'geolocation', 'notifications', 'clipboard-read', 'openExternal']) {
      const callback = vi.fn();
      session.permissionRequestHandler!({}, permission, callback, { requestingUrl: consoleUrl });
      expect(callback).toHaveBeenCalledWith(false);
    }
    expect(session.permissionCheckHandler!({}, 'notifications', consoleUrl, {})).toBe(false);
    expect(session.devicePermissionHandler!({ deviceType: 'usb' })).toBe(false);
    expect(text()).toContain('permission request denied');
  });
});

describe('the app menu', () => {
  const labels = (template: ReturnType<typeof buildMenuTemplate>) =>
    JSON.stringify(template, (_k, v: unknown) => (typeof v === 'function' ? undefined : v));
  const actions = { isMac: false, openDataFolder: vi.fn(), openApiReference: vi.fn(), showAbout: vi.fn() };

  it('offers developer tools only in development', () => {
    expect(labels(buildMenuTemplate({ ...actions, isDev: false }))).not.toContain('toggleDevTools');
    expect(labels(buildMenuTemplate({ ...actions, isDev: true }))).toContain('toggleDevTools');
  });

  it('has File, Edit, View, Window and Help, with reload and quit', () => {
    const template = buildMenuTemplate({ ...actions, isDev: false });
    expect(template.map((item) => item.label ?? item.role)).toEqual(['File', 'Edit', 'View', 'Window', 'help']);
    expect(labels(template)).toContain('"role":"reload"');
    expect(labels(template)).toContain('"role":"quit"');
    const help = template[4]!.submenu as Array<{ label?: string; click?: () => void }>;
    help.find((item) => item.label?.startsWith('API Reference'))!.click!();
    expect(actions.openApiReference).toHaveBeenCalledOnce();
  });

  it('starts with the application menu on macOS', () => {
    const template = buildMenuTemplate({ ...actions, isDev: false, isMac: true });
    expect(template[0]).toEqual({ role: 'appMenu' });
  });
});

afterEach(() => {
  vi.clearAllMocks();
});
