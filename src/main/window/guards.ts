import type { BrowserWindow, BrowserWindowConstructorOptions, Session, WebContents } from 'electron';
import type { ShellLog } from './shellLog';

/** The parts of a navigation event we read: Electron passes details first, the URL second (deprecated). */
interface NavigationEvent {
  url?: string;
  isMainFrame?: boolean;
  preventDefault(): void;
}

export interface GuardOptions {
  /** Only the console's own page may be (re)loaded; see rendererLocation.ts. */
  isTrustedUrl(url: string): boolean;
  log: ShellLog;
  /** A console view in its own window (viewWindows.ts): its options, or null to deny like any other window. */
  viewWindowOptions?(url: string): BrowserWindowConstructorOptions | null;
  /** Called with each view window Electron created from those options. */
  onViewWindow?(window: BrowserWindow, url: string): void;
}

/** Keeps log lines short: a hostile page can make URLs of any length. */
const clip = (url: string) => (url.length > 200 ? `${url.slice(0, 200)}…` : url);

/**
 * Applied to every webContents the app creates (app 'web-contents-created'):
 * the console never leaves its own page, never opens windows but its own
 * views (`#/view/<id>`, with the same locked-down preferences), never attaches
 * a <webview>. A dispatcher clicking a hostile link in an alert text stays
 * where they are, and the attempt is logged.
 */
export function guardWebContents(contents: WebContents, options: GuardOptions): void {
  const denyNavigation = (kind: string) => (details: NavigationEvent, legacyUrl?: string) => {
    const url = details.url ?? legacyUrl ?? '';
    if (options.isTrustedUrl(url)) return;
    details.preventDefault();
    options.log.warn({ kind, url: clip(url) }, 'navigation blocked');
  };
  contents.on('will-navigate', denyNavigation('will-navigate'));
  contents.on('will-redirect', denyNavigation('will-redirect'));
  // Sub-frames too: CSP already forbids frames, this is the second lock.
  contents.on('will-frame-navigate', denyNavigation('will-frame-navigate'));
  contents.setWindowOpenHandler(({ url }) => {
    const view = options.viewWindowOptions?.(url) ?? null;
    if (view) return { action: 'allow', overrideBrowserWindowOptions: view };
    options.log.warn({ url: clip(url) }, 'window.open blocked');
    return { action: 'deny' };
  });
  contents.on('did-create-window', (window, details) => options.onViewWindow?.(window, details.url));
  contents.on('will-attach-webview', (event) => {
    event.preventDefault();
    options.log.warn('webview attach blocked');
  });
}

/**
 * The console needs no browser permission (camera, geolocation, notifications
 * and the rest): native notifications come from the main process. So every
 * request and every check is refused.
 */
export function denyAllPermissions(session: Session, log: ShellLog): void {
  session.setPermissionRequestHandler((_contents, permission, callback) => {
    log.warn({ permission }, 'permission request denied');
    callback(false);
  });
  session.setPermissionCheckHandler(() => false);
  session.setDevicePermissionHandler(() => false);
}
