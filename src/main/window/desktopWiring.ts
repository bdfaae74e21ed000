import { app, BrowserWindow, dialog, ipcMain, nativeImage, Tray, type WebContents } from 'electron';
import type { Core } from '../core/createCore';
import type { WorkstationInfo } from '../../shared/desktop';
import type { ConsoleIpc } from '../ipc/consoleIpc';
import { registerDesktopIpc, type DesktopIpc } from '../ipc/desktopIpc';
import type { ConsoleWebContents } from '../ipc/trustedSender';
import type { AttachedBackend } from '../workstation/attachedBackend';
import { attachTlsOptions } from '../workstation/pinning';
import { rememberChoice, saveWorkstationSettings } from '../workstation/settings';
import type { ChosenWorkstation } from '../workstation/setupScreen';
import { createAttentionTray, type AttentionTray } from './attentionTray';
import { saveExport, saveReportPdf, setStartAtLogin, type SaveDialog } from './nativeActions';
import type { ShellLog } from './shellLog';
import { createViewWindows, type ScreenLike, type ViewWindows } from './viewWindows';
import { viewPlacementFile } from './viewPlacement';

export interface DesktopWiringDeps {
  workstation: ChosenWorkstation;
  backend: { core: Core } | { attached: AttachedBackend };
  ipc: ConsoleIpc;
  isTrustedUrl(url: string): boolean;
  preloadPath: string;
  iconPath: string;
  devTools: boolean;
  screen: ScreenLike;
  focus(): void;
  log: ShellLog;
}

export interface DesktopWiring {
  ipc: DesktopIpc;
  views: ViewWindows;
  tray: AttentionTray | null;
  adoptViewWindow(window: BrowserWindow, url: string): void;
  dispose(): void;
}

/** The save dialog, as a sheet of the window that asked. */
const dialogFor = (contents: ConsoleWebContents): SaveDialog => ({
  showSaveDialog: (options) => {
    const owner = BrowserWindow.fromWebContents(contents as unknown as WebContents);
    return owner ? dialog.showSaveDialog(owner, options) : dialog.showSaveDialog(options);
  }
});

function createTray(deps: DesktopWiringDeps): AttentionTray | null {
  try {
    const tray = new Tray(nativeImage.createFromPath(deps.iconPath));
    return createAttentionTray({ tray, setBadgeCount: (count) => app.setBadgeCount(count), focus: deps.focus });
  } catch (err) {
    // A desktop without a tray area still gets notifications and the count in the window title.
    deps.log.warn({ err }, 'no tray icon on this desktop');
    return null;
  }
}

/**
 * The desktop shell's own features around the console windows, in both modes:
 * the workstation's mode (shown, and changed by an admin), view windows,
 * exports through a save dialog, the report as PDF, start at login and the
 * tray's critical count.
 */
export function wireDesktop(deps: DesktopWiringDeps): DesktopWiring {
  const { workstation, backend } = deps;
  let settings = workstation.settings;
  const coreOrigin = 'core' in backend ? new URL(backend.core.url).origin : backend.attached.url;
  const tray = createTray(deps);
  const views = createViewWindows({
    file: viewPlacementFile(app.getPath('userData')),
    preloadPath: deps.preloadPath,
    iconPath: deps.iconPath,
    devTools: deps.devTools,
    screen: deps.screen,
    isTrustedUrl: deps.isTrustedUrl,
    log: deps.log
  });
  const reporting = new Set<number>();

  const ipc = registerDesktopIpc({
    ipcMain,
    isTrustedUrl: deps.isTrustedUrl,
    roleOf: (id) => deps.ipc.sessionOf(id)?.role ?? null,
    link: 'core' in backend ? null : backend.attached.link,
    log: deps.log,
    handlers: {
      'workstation.info': (): WorkstationInfo => ({
        mode: workstation.choice.mode,
        url: workstation.choice.mode === 'attached' ? workstation.choice.url : null,
        pin: workstation.choice.mode === 'attached' ? (workstation.choice.pin ?? null) : null,
        source: workstation.source,
        startAtLogin: settings.startAtLogin
      }),
      'workstation.change': async (choice) => {
        if (choice.mode === 'attached') await attachTlsOptions(choice.url, choice.pin);
        settings = rememberChoice(workstation.file, settings, choice);
        deps.log.info({ mode: choice.mode, url: choice.mode === 'attached' ? choice.url : undefined }, 'workstation mode changed by an admin; applies at the next start');
        return { saved: true, appliesAt: 'next start' };
      },
      'workstation.startAtLogin': ({ enabled }) => {
        const done = setStartAtLogin({ platform: process.platform, setLoginItemSettings: (s) => app.setLoginItemSettings(s), execPath: process.execPath }, enabled);
        settings = { ...settings, startAtLogin: enabled };
        saveWorkstationSettings(workstation.file, settings);
        return done;
      },
      'export.save': (input, contents) =>
        // An attached workstation downloads over the checked (pinned) TLS; before the check, with none: a self-signed centre then refuses.
        saveExport({ dialog: dialogFor(contents), coreOrigin: () => coreOrigin, tls: 'core' in backend ? {} : (backend.attached.tls() ?? {}), downloadsDir: app.getPath('downloads') }, input),
      'report.savePdf': ({ filename }, contents) =>
        saveReportPdf(dialogFor(contents), contents as unknown as WebContents, filename, app.getPath('downloads')),
      'attention.report': ({ critical }, contents) => {
        if (!reporting.has(contents.id)) {
          reporting.add(contents.id);
          contents.once('destroyed', () => {
            reporting.delete(contents.id);
            tray?.forget(contents.id);
          });
        }
        tray?.report(contents.id, critical);
        return { shown: tray?.count() ?? critical };
      },
      'views.openAtStart': () => views.openAtStart()
    }
  });

  return {
    ipc,
    views,
    tray,
    adoptViewWindow(window, url) {
      views.adopt(window, url);
      deps.ipc.attach(window.webContents);
      ipc.attach(window.webContents);
    },
    dispose() {
      tray?.destroy();
    }
  };
}
