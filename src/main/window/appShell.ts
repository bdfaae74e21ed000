import { app, dialog, ipcMain, Menu, Notification, screen, session, shell, type BrowserWindow } from 'electron';
import path from 'node:path';
import { configFromEnv, type CoreConfigInput } from '../core/config';
import { createCore, type Core } from '../core/createCore';
import { installLastResortHandlers } from '../core/lastResort';
import { createSessionAudit } from '../core/console/adminHandlers';
import { registerConsoleIpc, type ConsoleIpc } from '../ipc/consoleIpc';
import type { DesktopIpc } from '../ipc/desktopIpc';
import type { EventBus } from '../core/contract/bus';
import type { WorkstationChoice } from '../../shared/desktop';
import { startAttached, type AttachedBackend } from '../workstation/attachedBackend';
import { chooseWorkstation } from '../workstation/setupScreen';
import { wireDesktop } from './desktopWiring';
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
  /** The command line (`--attach URL`, `--pin FP`, `--embedded`); process.argv by default. */
  argv?: readonly string[];
  log?: ShellLog;
}

export interface EmbeddedRuntime {
  mode: 'embedded';
  core: Core;
  ipc: ConsoleIpc;
  desktop: DesktopIpc;
  window(): BrowserWindow | null;
}

/** Attached to a centre: no core here; the console windows reach the centre through the one attached link. */
export interface AttachedRuntime {
  mode: 'attached';
  attached: AttachedBackend;
  ipc: ConsoleIpc;
  desktop: DesktopIpc;
  window(): BrowserWindow | null;
}

export type ShellRuntime = EmbeddedRuntime | AttachedRuntime;

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
  const argv = options.argv ?? process.argv;
  const location = resolveRendererLocation({ isPackaged: app.isPackaged, devServerUrl: env.ELECTRON_RENDERER_URL, mainDir });
  const isTrustedUrl = (url: string) => isTrustedRendererUrl(url, location);
  const isDev = !app.isPackaged;
  const preloadPath = path.join(mainDir, '../preload/index.js');
  const iconPath = path.join(app.getAppPath(), 'resources/icons/icon.png');
  let mainWindow: BrowserWindow | null = null;
  let runtimeReady: Promise<ShellRuntime | null> | null = null;
  let stopAlerts: (() => void) | null = null;
  let desktopIpc: DesktopIpc | null = null;
  let desktop: ReturnType<typeof wireDesktop> | null = null;
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

  const openWindow = (runtime: { ipc: ConsoleIpc; desktop: DesktopIpc }) => {
    mainWindow = createMainWindow({ location, preloadPath, iconPath, stateFile: windowStateFile(app.getPath('userData')), devTools: isDev, log });
    runtime.ipc.attach(mainWindow.webContents);
    runtime.desktop.attach(mainWindow.webContents);
    const opened = mainWindow;
    opened.on('closed', () => {
      if (mainWindow === opened) mainWindow = null;
    });
  };

  app.on('web-contents-created', (_event, contents) =>
    guardWebContents(contents, {
      isTrustedUrl,
      log,
      viewWindowOptions: (url) => desktop?.views.optionsFor(url) ?? null,
      onViewWindow: (window, url) => desktop?.adoptViewWindow(window, url)
    })
  );
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

  // Quit waits for the core (or the attached link): before-quit (and will-quit, which some
  // shutdown paths reach without before-quit) are held until the log is flushed.
  let backendStarting: Promise<{ close(): Promise<void> } | null> | null = null;
  let ipc: ConsoleIpc | null = null;
  let quitRequested = false;
  let coreClosed = false;
  let closing: Promise<void> | null = null;
  const finishQuit = () => {
    coreClosed = true;
    markClosed();
  };
  const closeCore = async () => {
    desktop?.views.quitting();
    const backend = await (backendStarting ?? Promise.resolve(null));
    stopAlerts?.();
    ipc?.dispose();
    desktopIpc?.dispose();
    desktop?.dispose();
    if (!backend) return;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), closeTimeoutMs)));
    const outcome = await Promise.race([backend.close().then(() => 'closed' as const), timeout]).catch((err: unknown) => {
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

  /** The embedded core, or the attached link to a centre; null when it could not start (the reason was shown). */
  const startBackend = async (choice: WorkstationChoice): Promise<{ core: Core } | { attached: AttachedBackend } | null> => {
    if (choice.mode === 'embedded') {
      const core = await startCore();
      return core ? { core } : null;
    }
    const attached = await startAttached(choice, log).catch((err: Error) => {
      log.error({ err, url: choice.url }, 'could not attach to the centre');
      dialog.showErrorBox('Switchboard could not attach to the centre', err.message);
      return null;
    });
    return attached ? { attached } : null;
  };

  const ready = app.whenReady().then(async (): Promise<ShellRuntime | null> => {
    // A quit that came before 'ready' must not be followed by a core start.
    if (quitRequested) return null;
    // Windows shows notifications only for an app with this id (the installer registers it).
    if (process.platform === 'win32') app.setAppUserModelId(APP_ID);
    denyAllPermissions(session.defaultSession, log);
    const workstation = await chooseWorkstation({ argv, env, userDataDir: app.getPath('userData'), location, preloadPath, isTrustedUrl, log });
    if (!workstation || quitRequested) {
      finishQuit();
      app.exit(workstation ? 0 : 2);
      return null;
    }
    const starting = startBackend(workstation.choice);
    backendStarting = starting.then((b) => (b ? ('core' in b ? b.core : b.attached) : null));
    const backend = await starting;
    if (!backend) {
      finishQuit();
      app.exit(1);
      return null;
    }
    if (quitRequested) return null;
    try {
      const coreUrl = 'core' in backend ? backend.core.url : null;
      installContentSecurityPolicy(
        session.defaultSession,
        // Attached, the page talks to nothing but this process: the link to the centre is held here.
        buildContentSecurityPolicy({ coreOrigin: coreUrl ? new URL(coreUrl).origin : undefined, devServerOrigin: devServerOrigin(location) })
      );
      const contract: { api: Parameters<typeof registerConsoleIpc>[0]['api']; bus: EventBus } = 'core' in backend ? backend.core : backend.attached;
      // Attached, the centre ends revoked sessions (it closes the link) and keeps their access log.
      const sessions = 'core' in backend ? { revocations: backend.core.revocations, audit: createSessionAudit(backend.core, backend.core.services.log) } : backend.attached.sessions;
      ipc = registerConsoleIpc({ ipcMain, api: contract.api, bus: contract.bus, isTrustedUrl, log, ...sessions });
      stopAlerts = watchCriticalAlerts(contract.bus, showCriticalAlert);
      const consoleIpc = ipc;
      desktop = wireDesktop({
        workstation,
        backend,
        ipc: consoleIpc,
        isTrustedUrl,
        preloadPath,
        iconPath,
        devTools: isDev,
        screen,
        focus: focusWindow,
        log
      });
      desktopIpc = desktop.ipc;
      const dataDir = 'core' in backend ? backend.core.config.dataDir : app.getPath('userData');
      const apiOrigin = 'core' in backend ? backend.core.url : backend.attached.url;
      const menu = buildMenuTemplate({
        isDev,
        isMac: process.platform === 'darwin',
        openDataFolder: () => void shell.openPath(dataDir),
        openApiReference: () => void shell.openExternal(`${apiOrigin}/api/openapi.json`),
        showAbout: () => app.showAboutPanel()
      });
      Menu.setApplicationMenu(Menu.buildFromTemplate(menu));
      const common = { ipc: consoleIpc, desktop: desktop.ipc, window: () => mainWindow };
      const runtime: ShellRuntime = 'core' in backend ? { mode: 'embedded', core: backend.core, ...common } : { mode: 'attached', attached: backend.attached, ...common };
      openWindow(runtime);
      if (workstation.setupWindow && !workstation.setupWindow.isDestroyed()) workstation.setupWindow.close();
      log.info({ mode: runtime.mode, url: apiOrigin, renderer: location.kind }, 'Switchboard console window opened');
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
