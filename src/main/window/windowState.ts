import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';

/** Saved bounds of the console window, in userData/window-state.json. */
export const WindowStateSchema = z.object({
  x: z.number().int().min(-100_000).max(100_000).optional(),
  y: z.number().int().min(-100_000).max(100_000).optional(),
  width: z.number().int().min(400).max(20_000),
  height: z.number().int().min(300).max(20_000),
  maximized: z.boolean().default(false)
});
export type WindowState = z.infer<typeof WindowStateSchema>;

export const DEFAULT_WINDOW_STATE: WindowState = { width: 1440, height: 900, maximized: false };

export interface Rect {
  x: number;
  y: number;
  width: number;
  height: number;
}

export const windowStateFile = (userDataDir: string) => path.join(userDataDir, 'window-state.json');

/**
 * Loads the saved state; a missing, corrupt or out-of-range file gives the
 * defaults (and a reason to log), never an error: a bad file must not keep the
 * console from opening. A position that is on no current display (a monitor
 * was unplugged) is dropped so the window opens centred where it can be seen.
 */
export function loadWindowState(file: string, displays: readonly Rect[]): { state: WindowState; problem?: string } {
  let raw: string;
  try {
    raw = fs.readFileSync(file, 'utf8');
  } catch (err) {
    const missing = (err as NodeJS.ErrnoException).code === 'ENOENT';
    return { state: { ...DEFAULT_WINDOW_STATE }, problem: missing ? undefined : `unreadable: ${(err as Error).message}` };
  }
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch {
    return { state: { ...DEFAULT_WINDOW_STATE }, problem: 'not JSON' };
  }
  const parsed = WindowStateSchema.safeParse(json);
  if (!parsed.success) return { state: { ...DEFAULT_WINDOW_STATE }, problem: 'invalid fields' };
  const state = parsed.data;
  if (state.x === undefined || state.y === undefined) return { state: { ...state, x: undefined, y: undefined } };
  const bounds = { x: state.x, y: state.y, width: state.width, height: state.height };
  if (!displays.some((display) => visibleEnough(bounds, display))) {
    return { state: { width: state.width, height: state.height, maximized: state.maximized }, problem: 'off screen' };
  }
  return { state };
}

/** At least a 100x50 strip of the window (its title bar, in practice) lies on the display. */
function visibleEnough(window: Rect, display: Rect): boolean {
  const overlapX = Math.min(window.x + window.width, display.x + display.width) - Math.max(window.x, display.x);
  const overlapY = Math.min(window.y + window.height, display.y + display.height) - Math.max(window.y, display.y);
  return overlapX >= 100 && overlapY >= 50;
}

/** Writes atomically (temp file + rename) so a crash mid-write leaves the old state. */
export function saveWindowState(file: string, state: WindowState): void {
  const valid = WindowStateSchema.parse(state);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const temp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(temp, `${JSON.stringify(valid, null, 2)}\n`, { mode: 0o600 });
  fs.renameSync(temp, file);
}

/** The parts of a BrowserWindow the tracker reads. */
export interface TrackedWindow {
  on(event: 'resize' | 'move' | 'maximize' | 'unmaximize' | 'close', listener: () => void): unknown;
  getNormalBounds(): Rect;
  isMaximized(): boolean;
  isDestroyed(): boolean;
}

/**
 * Saves the window's normal (un-maximized) bounds and maximized flag: shortly
 * after it is moved or resized, and at once when it closes.
 */
export function trackWindowState(
  window: TrackedWindow,
  file: string,
  onError: (err: unknown) => void,
  debounceMs = 500
): () => void {
  let timer: NodeJS.Timeout | undefined;
  const save = () => {
    clearTimeout(timer);
    timer = undefined;
    if (window.isDestroyed()) return;
    const bounds = window.getNormalBounds();
    try {
      saveWindowState(file, {
        x: Math.round(bounds.x),
        y: Math.round(bounds.y),
        width: Math.round(bounds.width),
        height: Math.round(bounds.height),
        maximized: window.isMaximized()
      });
    } catch (err) {
      onError(err);
    }
  };
  const later = () => {
    clearTimeout(timer);
    timer = setTimeout(save, debounceMs);
  };
  for (const event of ['resize', 'move', 'maximize', 'unmaximize'] as const) window.on(event, later);
  window.on('close', save);
  return save;
}
