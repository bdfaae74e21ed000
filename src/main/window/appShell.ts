import { app, dialog, ipcMain, Menu, Notification, session, shell, type BrowserWindow } from 'electron';
import path from 'node:path';
import { configFromEnv, type CoreConfigInput } from '../core/config';
import { createCore, type Core } from '../core/createCore';
import { installLastResortHandlers } from '../core/lastResort';
import { createSessionAudit } from '../core/console/adminHandlers';
import { registerConsoleIpc, type ConsoleIpc } from '../ipc/consoleIpc';
import { buildContentSecurityPolicy, installContentSecurityPolicy } from './contentSecurityPolicy';
import { noticeText, watchCriticalAlerts, type CriticalAlertNotice } from './criticalAlerts';
import { denyAllPermissions, guardWebContents } from './guards';
import { createMainWindow } from './mainWindow';
import { buildMenuTemplate } from './menu';
import { devServerOrigin, isTrustedRendererUrl, resolveRendererLocation } from './rendererLocation';
import { createShellLog, type ShellLog } from './shellLog';
import { windowStateFile } from './windowState';

export interface ShellOptions {
  env?: NodeJS.ProcessEnv;
  /** Folder of the bundled main script (out/main); the preload and renderer sit beside it. */
  mainDir?: string;
  /** How long quitting waits for the core to flush and close before giving up. */
  closeTimeoutMs?: number;
  log?: ShellLog;
}

export interface ShellRuntime {
  core: Core;
  ipc: ConsoleIpc;
  window(): BrowserWindow | null;
}

export interface ShellHandle {
  /** False when another instance holds the lock (this one quits). */
  primary: boolean;
  /** The running core and window once started; null if this instance quits instead. */
  ready: Promise<ShellRuntime | null>;
  /** Settles when a quit has closed the core and let the app exit. */
  closed: Promise<void>;
}

export const DEFAULT_PORT = 8780;
/** Must equal appId in electron-builder.yml (Windows ties notifications to it). */
export const APP_ID = 'org.switchboard.console';

/** The core's settings inside the desktop app: SWITCHBOARD_* env, else per-user defaults. */
export function shellCoreConfig(env: NodeJS.ProcessEnv, userDataDir: string): CoreConfigInput {
  const fromEnv = configFromEnv(env);
  return { ...fromEnv, dataDir: fromEnv.dataDir ?? path.join(userDataDir, 'data'), port: fromEnv.port ?? DEFAULT_PORT };
}

/**
 * The Electron app's lifecycle: one instance per user, the core started on
 * ready, one console window, and a quit that waits until the core has
 * flushed the log and closed the database.
 */
export function startShell(options: ShellOptions = {}): ShellHandle {
  const env = options.env ?? process.env;
  const log = options.log ?? createShellLog();
  // The main process hosts the hub: one bad request must not take every console and device down.
  const lastResort = installLastResortHandlers({ context: 'electron', logger: log, giveUp: () => app.quit() });
  const closeTimeoutMs = options.closeTimeoutMs ?? 15_000;
  let markClosed!: () => void;
  const closed = new Promise<void>((resolve) => (markClosed = resolve));
  void closed.then(() => lastResort.uninstall());

  if (!app.requestSingleInstanceLock()) {
    log.info('Switchboard is already running; the open console window is brought to the front');
    app.quit();
    markClosed();
    return { primary: false, ready: Promise.resolve(null), closed };
  }

  const mainDir = options.mainDir ?? __dirname;
  const location = resolveRendererLocation({ isPackaged: app.isPackaged, devServerUrl: env.ELECTRON_RENDERER_URL, mainDir });
  const isTrustedUrl = (url: string) => isTrustedRendererUrl(url, location);
  const isDev = !app.isPackaged;
  let mainWindow: BrowserWindow | null = null;
  let runtimeReady: Promise<ShellRuntime | null> | null = null;
  let stopAlerts: (() => void) | null = null;
  const notifications = new Set<Notification>();

  const focusWindow = () => {
    if (!mainWindow || mainWindow.isDestroyed()) return;
    if (mainWindow.isMinimized()) mainWindow.restore();
    mainWindow.show();
    mainWindow.focus();
  };

  const showCriticalAlert = (notice: CriticalAlertNotice) => {
    if (!Notification.isSupported()) return;
    const notification = new Notification({ ...noticeText(notice), urgency: 'critical', timeoutType: 'never' });
    // Held until closed: a collected Notification loses its click handler.
    notifications.add(notification);
    notification.on('click', focusWindow);
    notification.on('close', () => notifications.delete(notification));
    notification.show();
  };

  const openWindow = (runtime: { core: Core; ipc: ConsoleIpc }) => {
    mainWindow = createMainWindow({
      location,
      preloadPath: path.join(mainDir, '../preload/index.js'),
      iconPath: path.join(app.getAppPath(), 'resources/icons/icon.png'),
      stateFile: windowStateFile(app.getPath('userData')),
      devTools: isDev,
      log
    });
    runtime.ipc.attach(mainWindow.webContents);
    const opened = mainWindow;
    opened.on('closed', () => {
      if (mainWindow === opened) mainWindow = null;
    });
  };

  app.on('web-contents-created', (_event, contents) => guardWebContents(contents, { isTrustedUrl, log }));
  app.on('second-instance', focusWindow);
  app.on('window-all-closed', () => {
    // On macOS the hub keeps serving field devices with the window closed.
    if (process.platform !== 'darwin') app.quit();
  });
  app.on('activate', () => {
    void runtimeReady?.then((runtime) => {
      if (runtime && !mainWindow) openWindow(runtime);
    });
  });

  // Quit waits for the core: before-quit (and will-quit, which some shutdown
  // paths reach without before-quit) are held until the log is flushed.
  let coreStarting: Promise<Core | null> | null = null;
  let ipc: ConsoleIpc | null = null;
  let quitRequested = false;
  let coreClosed = false;
  let closing: Promise<void> | null = null;
  const finishQuit = () => {
    coreClosed = true;
    markClosed();
  };
  const closeCore = async () => {
    const core = await (coreStarting ?? Promise.resolve(null));
    stopAlerts?.();
    ipc?.dispose();
    if (!core) return;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), closeTimeoutMs)));
    const outcome = await Promise.race([core.close().then(() => 'closed' as const), timeout]).catch((err: unknown) => {
      log.error({ err }, 'core close failed');
      return 'failed' as const;
    });
    clearTimeout(timer);
    if (outcome === 'timeout') log.error({ closeTimeoutMs }, 'core did not close in time; quitting anyway');
  };
  const holdQuitUntilCoreCloses = (event: { preventDefault(): void }) => {
    quitRequested = true;
    if (coreClosed) return;
    event.preventDefault();
    closing ??= closeCore().finally(() => {
      finishQuit();
      app.quit();
    });
  };
  app.on('before-quit', holdQuitUntilCoreCloses);
  app.on('will-quit', holdQuitUntilCoreCloses);

  const startCore = async (): Promise<Core | null> => {
    try {
      return await createCore(shellCoreConfig(env, app.getPath('userData')));
    } catch (err) {
      log.error({ err }, 'core failed to start');
      dialog.showErrorBox(
        'Switchboard could not start',
        `${(err as Error).message}\n\nIf another Switchboard (or "switchboard serve") is using the port, stop it or set SWITCHBOARD_PORT.`
      );
      return null;
    }
  };

  const ready = app.whenReady().then(async (): Promise<ShellRuntime | null> => {
    // A quit that came before 'ready' must not be followed by a core start.
    if (quitRequested) return null;
    // Windows shows notifications only for an app with this id (the installer registers it).
    if (process.platform === 'win32') app.setAppUserModelId(APP_ID);
    denyAllPermissions(session.defaultSession, log);
    coreStarting = startCore();
    const core = await coreStarting;
    if (!core) {
      finishQuit();
      app.exit(1);
      return null;
    }
    if (quitRequested) return null;
    try {
      installContentSecurityPolicy(
        session.defaultSession,
        buildContentSecurityPolicy({ coreOrigin: new URL(core.url).origin, devServerOrigin: devServerOrigin(location) })
      );
      ipc = registerConsoleIpc({ ipcMain, api: core.api, bus: core.bus, isTrustedUrl, log, revocations: core.revocations, audit: createSessionAudit(core, core.services.log) });
      stopAlerts = watchCriticalAlerts(core.bus, showCriticalAlert);
      const menu = buildMenuTemplate({
        isDev,
        isMac: process.platform === 'darwin',
        openDataFolder: () => void shell.openPath(core.config.dataDir),
        openApiReference: () => void shell.openExternal(`${core.url}/api/openapi.json`),
        showAbout: () => app.showAboutPanel()
      });
      Menu.setApplicationMenu(Menu.buildFromTemplate(menu));
      const runtime: ShellRuntime = { core, ipc, window: () => mainWindow };
      openWindow(runtime);
      log.info({ url: core.url, renderer: location.kind }, 'Switchboard console window opened');
      return runtime;
    } catch (err) {
      // The core is running: quitting closes it properly.
      log.error({ err }, 'console window failed to open');
      dialog.showErrorBox('Switchboard could not open its window', (err as Error).message);
      app.quit();
      return null;
    }
  });
  runtimeReady = ready;
  return { primary: true, ready, closed };
}
