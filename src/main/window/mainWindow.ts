import { BrowserWindow, screen, type BrowserWindowConstructorOptions, type WebPreferences } from 'electron';
import type { RendererLocation } from './rendererLocation';
import type { ShellLog } from './shellLog';
import { loadWindowState, trackWindowState, type WindowState } from './windowState';

/**
 * The console renderer is a web page with no Node: isolated from the preload,
 * sandboxed, no webviews, no insecure content. The preload is its only door.
 */
export function secureWebPreferences(preloadPath: string, devTools = false): WebPreferences {
  return Object.freeze({
    preload: preloadPath,
    // Developer tools only while developing: at a dispatch desk they would let
    // anyone script the console.
    devTools,
    contextIsolation: true,
    sandbox: true,
    nodeIntegration: false,
    nodeIntegrationInWorker: false,
    nodeIntegrationInSubFrames: false,
    webviewTag: false,
    webSecurity: true,
    allowRunningInsecureContent: false,
    experimentalFeatures: false,
    navigateOnDragDrop: false,
    safeDialogs: true,
    spellcheck: false,
    // A console in the background still has to show a new critical alert at
    // once: Chromium's timer throttling would delay it by up to a minute.
    backgroundThrottling: false,
    // The critical-alert alarm must sound in a window that is minimized or that
    // nobody has clicked since the app started (a workstation restarted at night).
    autoplayPolicy: 'no-user-gesture-required'
  });
}

export function mainWindowOptions(
  state: WindowState,
  preloadPath: string,
  iconPath?: string,
  devTools = false
): BrowserWindowConstructorOptions {
  return {
    x: state.x,
    y: state.y,
    width: state.width,
    height: state.height,
    minWidth: 1024,
    minHeight: 640,
    title: 'Switchboard',
    icon: iconPath,
    // Shown on 'ready-to-show' so the dispatcher never sees a white flash.
    show: false,
    backgroundColor: '#0f172a',
    webPreferences: secureWebPreferences(preloadPath, devTools)
  };
}

export interface MainWindowOptions {
  location: RendererLocation;
  preloadPath: string;
  iconPath?: string;
  stateFile: string;
  devTools: boolean;
  log: ShellLog;
  /** A route of the console page to open (`/setup` for the first-start screen). */
  hash?: string;
}

/** Creates the console window where it was last left, and loads the renderer. */
export function createMainWindow(options: MainWindowOptions): BrowserWindow {
  const displays = screen.getAllDisplays().map((display) => display.workArea);
  const { state, problem } = loadWindowState(options.stateFile, displays);
  if (problem) options.log.warn({ problem }, 'saved window state ignored');
  const window = new BrowserWindow(mainWindowOptions(state, options.preloadPath, options.iconPath, options.devTools));
  if (state.maximized) window.maximize();
  trackWindowState(window, options.stateFile, (err) => options.log.warn({ err }, 'window state not saved'));
  window.once('ready-to-show', () => window.show());
  const loading =
    options.location.kind === 'file'
      ? window.loadFile(options.location.indexPath, ...(options.hash ? [{ hash: options.hash }] : []))
      : window.loadURL(options.hash ? `${options.location.url}#${options.hash}` : options.location.url);
  loading.catch((err: unknown) => options.log.error({ err }, 'console page failed to load'));
  return window;
}
