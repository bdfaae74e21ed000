import { EventEmitter } from 'node:events';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { vi } from 'vitest';

/**
 * A stand-in for the parts of the `electron` module the shell uses, with the
 * same event order Electron documents (quit: before-quit, will-quit, quit;
 * each can be prevented). Tests load it with
 * `vi.mock('electron', () => import('./fakeElectron').then((m) => m.electronModule))`.
 */

let nextContentsId = 1;
let nextProcessId = 100;

export interface PreventableEvent {
  defaultPrevented: boolean;
  preventDefault(): void;
}
const preventable = (extra: Record<string, unknown> = {}): PreventableEvent & Record<string, unknown> => {
  const event = {
    ...extra,
    defaultPrevented: false,
    preventDefault() {
      event.defaultPrevented = true;
    }
  };
  return event;
};

export class FakeWebContents extends EventEmitter {
  readonly id = nextContentsId++;
  readonly mainFrame = { url: 'about:blank', processId: nextProcessId++, routingId: 1 };
  readonly send = vi.fn<(channel: string, ...args: unknown[]) => void>();
  windowOpenHandler: ((details: { url: string }) => { action: 'allow' | 'deny'; overrideBrowserWindowOptions?: Record<string, unknown> }) | null = null;
  readonly printToPDF = vi.fn(async () => Buffer.from('%PDF-1.7\n% a report\n%%EOF\n'));
  private destroyed = false;
  setWindowOpenHandler(handler: (details: { url: string }) => { action: 'allow' | 'deny'; overrideBrowserWindowOptions?: Record<string, unknown> }) {
    this.windowOpenHandler = handler;
  }
  isDestroyed() {
    return this.destroyed;
  }
  destroy() {
    this.destroyed = true;
    this.emit('destroyed');
  }
  /** Simulates a renderer-initiated navigation; returns whether the shell let it happen. */
  navigate(kind: 'will-navigate' | 'will-redirect' | 'will-frame-navigate', url: string): boolean {
    const event = preventable({ url, isMainFrame: kind !== 'will-frame-navigate' });
    this.emit(kind, event, url);
    return !event.defaultPrevented;
  }
  /**
   * What the renderer's window.open does: asks the open handler, and when it allows,
   * Electron creates the child window with the returned options and emits did-create-window.
   */
  windowOpen(url: string): FakeBrowserWindow | null {
    const verdict = this.windowOpenHandler?.({ url }) ?? { action: 'deny' };
    if (verdict.action !== 'allow') return null;
    const child = new FakeBrowserWindow({ ...(verdict.overrideBrowserWindowOptions ?? {}) });
    void child.loadURL(url);
    this.emit('did-create-window', child, { url });
    return child;
  }
  /** Simulates a reload or cross-document navigation of the main frame. */
  startNavigation(url: string) {
    this.emit('did-start-navigation', { url, isMainFrame: true, isSameDocument: false, frame: this.mainFrame });
  }
}

export class FakeBrowserWindow extends EventEmitter {
  static instances: FakeBrowserWindow[] = [];
  readonly webContents = new FakeWebContents();
  readonly show = vi.fn();
  readonly focus = vi.fn();
  readonly restore = vi.fn();
  loaded: { file?: string; url?: string; hash?: string } = {};
  private maximized = false;
  private minimized = false;
  private destroyed = false;
  private fullscreen = false;
  bounds: { x: number; y: number; width: number; height: number } | null = null;
  static fromWebContents(contents: unknown) {
    return FakeBrowserWindow.instances.find((w) => w.webContents === contents) ?? null;
  }
  constructor(readonly options: Record<string, unknown>) {
    super();
    FakeBrowserWindow.instances.push(this);
    fake.app.emit('web-contents-created', preventable(), this.webContents);
  }
  async loadFile(file: string, options?: { hash?: string }) {
    this.loaded = options?.hash ? { file, hash: options.hash } : { file };
    this.webContents.mainFrame.url = pathToFileURL(file).toString() + (options?.hash ? `#${options.hash}` : '');
  }
  async loadURL(url: string) {
    this.loaded = { url };
    this.webContents.mainFrame.url = url;
  }
  maximize() {
    this.maximized = true;
    this.emit('maximize');
  }
  isMaximized() {
    return this.maximized;
  }
  minimize() {
    this.minimized = true;
  }
  isMinimized() {
    return this.minimized;
  }
  isDestroyed() {
    return this.destroyed;
  }
  getNormalBounds() {
    if (this.bounds) return this.bounds;
    const o = this.options as { x?: number; y?: number; width: number; height: number };
    return { x: o.x ?? 0, y: o.y ?? 0, width: o.width, height: o.height };
  }
  /** The dispatcher dragging the window somewhere else. */
  moveTo(bounds: { x: number; y: number; width: number; height: number }) {
    this.bounds = bounds;
    this.emit('move');
  }
  setFullScreen(on: boolean) {
    this.fullscreen = on;
    this.emit(on ? 'enter-full-screen' : 'leave-full-screen');
  }
  isFullScreen() {
    return this.fullscreen || this.options.fullscreen === true;
  }
  close() {
    this.emit('close', preventable());
    this.destroyed = true;
    this.webContents.destroy();
    this.emit('closed');
  }
}

export class FakeNotification extends EventEmitter {
  static instances: FakeNotification[] = [];
  static isSupported = vi.fn(() => true);
  readonly show = vi.fn();
  constructor(readonly options: { title: string; body: string; urgency?: string }) {
    super();
    FakeNotification.instances.push(this);
  }
}

class FakeApp extends EventEmitter {
  isPackaged = false;
  lockAvailable = true;
  userDataDir = '/nonexistent';
  appPath = process.cwd();
  /** Everything that happened, in order, for lifecycle assertions. */
  readonly timeline: string[] = [];
  private readyResolve!: () => void;
  private readyPromise = new Promise<void>((resolve) => (this.readyResolve = resolve));
  readonly requestSingleInstanceLock = vi.fn(() => this.lockAvailable);
  readonly exit = vi.fn((code?: number) => this.timeline.push(`exit:${code ?? 0}`));
  readonly showAboutPanel = vi.fn();
  readonly quit = vi.fn(() => {
    this.timeline.push('quit()');
    const beforeQuit = preventable();
    this.emit('before-quit', beforeQuit);
    if (beforeQuit.defaultPrevented) return;
    const willQuit = preventable();
    this.emit('will-quit', willQuit);
    if (willQuit.defaultPrevented) return;
    this.timeline.push('quit');
    this.emit('quit');
  });
  whenReady() {
    return this.readyPromise;
  }
  fireReady() {
    this.readyResolve();
  }
  /** A fresh, not-yet-ready app for the next test. */
  reset() {
    this.removeAllListeners();
    this.lockAvailable = true;
    this.isPackaged = false;
    this.timeline.length = 0;
    this.readyPromise = new Promise<void>((resolve) => (this.readyResolve = resolve));
  }
  readonly setBadgeCount = vi.fn();
  readonly setLoginItemSettings = vi.fn();
  getPath(name: string) {
    if (name === 'downloads') return path.join(this.userDataDir, 'Downloads');
    if (name !== 'userData') throw new Error(`unexpected getPath(${name})`);
    return this.userDataDir;
  }
  getAppPath() {
    return this.appPath;
  }
}

class FakeSession {
  headersListener: ((details: { responseHeaders?: Record<string, string[]> }, cb: (r: unknown) => void) => void) | null = null;
  permissionRequestHandler: ((wc: unknown, permission: string, cb: (granted: boolean) => void, details: unknown) => void) | null = null;
  permissionCheckHandler: ((...args: unknown[]) => boolean) | null = null;
  devicePermissionHandler: ((...args: unknown[]) => boolean) | null = null;
  readonly webRequest = {
    onHeadersReceived: (listener: FakeSession['headersListener']) => {
      this.headersListener = listener;
    }
  };
  reset() {
    this.headersListener = null;
    this.permissionRequestHandler = null;
    this.permissionCheckHandler = null;
    this.devicePermissionHandler = null;
  }
  setPermissionRequestHandler(handler: FakeSession['permissionRequestHandler']) {
    this.permissionRequestHandler = handler;
  }
  setPermissionCheckHandler(handler: FakeSession['permissionCheckHandler']) {
    this.permissionCheckHandler = handler;
  }
  setDevicePermissionHandler(handler: FakeSession['devicePermissionHandler']) {
    this.devicePermissionHandler = handler;
  }
}

class FakeIpcMain {
  readonly handlers = new Map<string, (event: unknown, ...args: unknown[]) => Promise<unknown>>();
  handle(channel: string, listener: (event: unknown, ...args: unknown[]) => Promise<unknown>) {
    if (this.handlers.has(channel)) throw new Error(`Attempted to register a second handler for '${channel}'`);
    this.handlers.set(channel, listener);
  }
  removeHandler(channel: string) {
    this.handlers.delete(channel);
  }
  /** What ipcRenderer.invoke from that webContents' main frame would do. */
  invokeFrom(contents: FakeWebContents, channel: string, ...args: unknown[]) {
    const handler = this.handlers.get(channel);
    if (!handler) return Promise.reject(new Error(`No handler registered for '${channel}'`));
    return handler({ sender: contents, senderFrame: contents.mainFrame }, ...args);
  }
}

export class FakeTray extends EventEmitter {
  static instances: FakeTray[] = [];
  tooltip = '';
  title = '';
  destroyed = false;
  constructor(readonly image: unknown) {
    super();
    FakeTray.instances.push(this);
  }
  setToolTip(text: string) {
    this.tooltip = text;
  }
  setTitle(title: string) {
    this.title = title;
  }
  destroy() {
    this.destroyed = true;
  }
}

type FakeDisplay = { id: number; bounds: { x: number; y: number; width: number; height: number }; workArea: { x: number; y: number; width: number; height: number } };
const overlap = (a: FakeDisplay['bounds'], b: FakeDisplay['bounds']) =>
  Math.max(0, Math.min(a.x + a.width, b.x + b.width) - Math.max(a.x, b.x)) * Math.max(0, Math.min(a.y + a.height, b.y + b.height) - Math.max(a.y, b.y));

export const fake = {
  app: new FakeApp(),
  ipcMain: new FakeIpcMain(),
  session: { defaultSession: new FakeSession() },
  menuTemplate: null as unknown[] | null,
  displays: [{ id: 1, bounds: { x: 0, y: 0, width: 1920, height: 1080 }, workArea: { x: 0, y: 0, width: 1920, height: 1080 } }] as FakeDisplay[],
  /** What the next save dialog answers. */
  saveDialogAnswer: { canceled: true } as { canceled: boolean; filePath?: string }
};

export const electronModule = {
  app: fake.app,
  ipcMain: fake.ipcMain,
  session: fake.session,
  BrowserWindow: FakeBrowserWindow,
  Notification: FakeNotification,
  Menu: {
    buildFromTemplate: (template: unknown[]) => {
      fake.menuTemplate = template;
      return { template };
    },
    setApplicationMenu: vi.fn()
  },
  dialog: {
    showErrorBox: vi.fn(),
    showSaveDialog: vi.fn(async (..._args: unknown[]) => fake.saveDialogAnswer)
  },
  Tray: FakeTray,
  nativeImage: { createFromPath: (file: string) => ({ file }) },
  screen: {
    getAllDisplays: () => fake.displays,
    getPrimaryDisplay: () => fake.displays[0]!,
    getDisplayMatching: (rect: FakeDisplay['bounds']) => [...fake.displays].sort((a, b) => overlap(b.bounds, rect) - overlap(a.bounds, rect))[0]!
  },
  shell: { openPath: vi.fn(async () => ''), openExternal: vi.fn(async () => undefined) }
};
