import { ipcMain, type BrowserWindow } from 'electron';
import type { WorkstationChoice, WorkstationInfo } from '../../shared/desktop';
import { registerDesktopIpc } from '../ipc/desktopIpc';
import { createMainWindow } from '../window/mainWindow';
import type { RendererLocation } from '../window/rendererLocation';
import type { ShellLog } from '../window/shellLog';
import { windowStateFile } from '../window/windowState';
import { attachTlsOptions } from './pinning';
import { decideMode, loadWorkstationSettings, rememberChoice, workstationFile, type WorkstationSettings } from './settings';

export interface ChosenWorkstation {
  choice: WorkstationChoice;
  source: NonNullable<WorkstationInfo['source']>;
  settings: WorkstationSettings;
  file: string;
  /** The setup screen, left open until the console window replaces it (closing the last window would quit). */
  setupWindow?: BrowserWindow;
}

export interface ChooseOptions {
  argv: readonly string[];
  env: NodeJS.ProcessEnv;
  userDataDir: string;
  location: RendererLocation;
  preloadPath: string;
  isTrustedUrl(url: string): boolean;
  log: ShellLog;
  /** Checks an attached choice before it is kept (the pin against the live centre). */
  check?(choice: WorkstationChoice): Promise<void>;
}

const checkAttached = async (choice: WorkstationChoice) => {
  if (choice.mode === 'attached') await attachTlsOptions(choice.url, choice.pin);
};

/**
 * Which mode this run uses, and the first-start setup screen when nothing
 * chose one: a small page (the console's `#/setup` route) that offers
 * embedded (the default) or attached with the centre's URL and fingerprint.
 * An attached answer is checked against the live centre before it is kept, so
 * a mistyped pin is refused on the screen, not at the next start. Returns
 * null when the run cannot go on (an invalid flag, the screen closed).
 */
export async function chooseWorkstation(options: ChooseOptions): Promise<ChosenWorkstation | null> {
  const file = workstationFile(options.userDataDir);
  const loaded = loadWorkstationSettings(file);
  if (loaded.problem) options.log.warn({ problem: loaded.problem, file }, 'workstation settings ignored; asking again');
  const decision = decideMode(options.argv, options.env, loaded.settings);
  if (decision.kind === 'invalid') {
    options.log.error({ reason: decision.message }, 'workstation mode refused');
    const { dialog } = await import('electron');
    dialog.showErrorBox('Switchboard: workstation mode', decision.message);
    return null;
  }
  if (decision.kind === 'chosen') {
    // A flag or the environment is remembered on the first start only.
    const settings = loaded.settings ?? rememberChoice(file, null, decision.choice);
    return { choice: decision.choice, source: decision.source, settings, file };
  }
  const asked = await askOnSetupScreen(options);
  if (!asked) return null;
  return { choice: asked.choice, source: 'setup', settings: rememberChoice(file, loaded.settings, asked.choice), file, setupWindow: asked.window };
}

function askOnSetupScreen(options: ChooseOptions): Promise<{ choice: WorkstationChoice; window: BrowserWindow } | null> {
  const check = options.check ?? checkAttached;
  return new Promise((resolve) => {
    let answered = false;
    let window: BrowserWindow | null = null;
    const desktop = registerDesktopIpc({
      ipcMain,
      isTrustedUrl: options.isTrustedUrl,
      roleOf: () => null,
      link: null,
      log: options.log,
      handlers: {
        'workstation.info': () => ({ mode: 'setup', url: null, pin: null, source: null, startAtLogin: false }) satisfies WorkstationInfo,
        'workstation.choose': async (choice) => {
          await check(choice);
          answered = true;
          // The channel is freed for the console's own desktop IPC (this answer, already under way, still goes back).
          desktop.dispose();
          resolve({ choice, window: window! });
          return { chosen: choice.mode };
        }
      }
    });
    window = createMainWindow({
      location: options.location,
      preloadPath: options.preloadPath,
      stateFile: windowStateFile(options.userDataDir),
      devTools: false,
      log: options.log,
      hash: '/setup'
    });
    desktop.attach(window.webContents);
    window.on('closed', () => {
      if (answered) return;
      desktop.dispose();
      options.log.info('setup screen closed without a choice; quitting');
      resolve(null);
    });
  });
}
