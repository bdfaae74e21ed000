import type { BrowserWindowConstructorOptions } from 'electron';
import { viewOfRoute, type DetachableView } from '../../shared/desktop';
import { secureWebPreferences } from './mainWindow';
import type { ShellLog } from './shellLog';
import { loadViewPlacements, restorePlacement, saveViewPlacements, type DisplayLike, type ViewPlacements } from './viewPlacement';
import type { Rect } from './windowState';

/** The parts of Electron's `screen` the view windows read. */
export interface ScreenLike {
  getAllDisplays(): DisplayLike[];
  getPrimaryDisplay(): { id: number };
  getDisplayMatching(rect: Rect): DisplayLike;
}

/** The parts of a BrowserWindow a view window's placement follows. */
export interface PlacedWindow {
  on(event: 'move' | 'resize' | 'enter-full-screen' | 'leave-full-screen' | 'close' | 'closed', listener: () => void): unknown;
  getNormalBounds(): Rect;
  isFullScreen(): boolean;
  isDestroyed(): boolean;
  focus(): void;
}

export interface ViewWindowsDeps {
  file: string;
  preloadPath: string;
  iconPath?: string;
  devTools: boolean;
  screen: ScreenLike;
  isTrustedUrl(url: string): boolean;
  log: ShellLog;
  debounceMs?: number;
}

export interface ViewWindows {
  /** For the guard's window-open handler: the options of a view window, or null to deny. */
  optionsFor(url: string): BrowserWindowConstructorOptions | null;
  /** A view window Electron created from `optionsFor`: follow its placement. */
  adopt(window: PlacedWindow, url: string): void;
  /** The views that were open in their own windows when the app last ran. */
  openAtStart(): DetachableView[];
  /** Windows closing because the app quits stay "open" for the next start. */
  quitting(): void;
}

const VIEW_TITLES: Record<DetachableView, string> = {
  dispatch: 'Dispatch',
  map: 'Map',
  board: 'Incidents & units',
  alerts: 'Alerts',
  patients: 'Patients',
  statistics: 'Statistics',
  health: 'Connections'
};

/**
 * Views in their own windows: the console opens `#/view/<id>` with
 * window.open (the same code as in a browser, so the new window carries the
 * opener's session); the shell lets only our own page open such a window,
 * gives it the console's locked-down preferences, places it where that view
 * was left (monitor and fullscreen included) and remembers where it goes.
 */
export function createViewWindows(deps: ViewWindowsDeps): ViewWindows {
  const loaded = loadViewPlacements(deps.file);
  if (loaded.problem) deps.log.warn({ problem: loaded.problem }, 'saved view window placement ignored');
  let placements = loaded.placements;
  const open = new Map<DetachableView, PlacedWindow>();
  /** Saves each open view window's placement now (a quit must not lose a move still waiting for its debounce). */
  const flushes = new Map<PlacedWindow, () => void>();
  let isQuitting = false;

  const viewOf = (url: string): DetachableView | null => {
    if (!deps.isTrustedUrl(url)) return null;
    try {
      return viewOfRoute(new URL(url).hash);
    } catch {
      return null;
    }
  };
  const persist = (next: ViewPlacements) => {
    placements = next;
    try {
      saveViewPlacements(deps.file, placements);
    } catch (err) {
      deps.log.warn({ err }, 'view window placement not saved');
    }
  };

  return {
    optionsFor(url) {
      const view = viewOf(url);
      if (!view) return null;
      const already = open.get(view);
      if (already && !already.isDestroyed()) {
        already.focus();
        return null;
      }
      const saved = placements[view];
      const restored = saved ? restorePlacement(saved, deps.screen.getAllDisplays(), deps.screen.getPrimaryDisplay().id) : null;
      if (restored?.fallback) deps.log.warn({ view, reason: restored.fallback }, 'view window opens on the primary monitor');
      return {
        ...(restored ? restored.bounds : { width: 1280, height: 800 }),
        fullscreen: restored?.fullscreen ?? false,
        minWidth: 640,
        minHeight: 400,
        title: `Switchboard: ${VIEW_TITLES[view]}`,
        icon: deps.iconPath,
        backgroundColor: '#0f172a',
        webPreferences: secureWebPreferences(deps.preloadPath, deps.devTools)
      };
    },
    adopt(window, url) {
      const view = viewOf(url);
      if (!view) return;
      open.set(view, window);
      let timer: NodeJS.Timeout | undefined;
      const save = (stillOpen: boolean) => {
        clearTimeout(timer);
        if (window.isDestroyed()) return;
        const bounds = window.getNormalBounds();
        const display = deps.screen.getDisplayMatching(bounds);
        const rounded = { x: Math.round(bounds.x), y: Math.round(bounds.y), width: Math.round(bounds.width), height: Math.round(bounds.height) };
        persist({ ...placements, [view]: { bounds: rounded, display: { id: display.id, bounds: display.bounds }, fullscreen: window.isFullScreen(), open: stillOpen } });
      };
      const later = () => {
        clearTimeout(timer);
        timer = setTimeout(() => save(true), deps.debounceMs ?? 500);
      };
      for (const event of ['move', 'resize', 'enter-full-screen', 'leave-full-screen'] as const) window.on(event, later);
      // Saved at once so a crash still reopens it; closed by the dispatcher, it stays closed next time.
      save(true);
      flushes.set(window, () => save(true));
      window.on('close', () => save(isQuitting));
      window.on('closed', () => {
        clearTimeout(timer);
        flushes.delete(window);
        if (open.get(view) === window) open.delete(view);
      });
    },
    openAtStart: () => (Object.entries(placements) as Array<[DetachableView, { open: boolean }]>).filter(([, p]) => p.open).map(([view]) => view),
    quitting() {
      isQuitting = true;
      flushes.forEach((flush) => flush());
    }
  };
}

