import { VIEW_ROUTE_PREFIX, viewOfRoute, type DesktopMethod, type DetachableView } from '../../../shared/desktop';
import type { Result } from '../../../shared/result';
import { api } from './api';

/**
 * The workstation's native side, where there is one: in the desktop app the
 * preload's `window.switchboardDesktop` (save dialogs, PDF, tray count,
 * workstation mode); in a browser, nothing, and the console uses the browser's
 * own way (a download, window.print, window.open with remembered geometry).
 */
export const desktop = {
  available: (): boolean => typeof window !== 'undefined' && !!window.switchboardDesktop,
  call(method: DesktopMethod, input: unknown): Promise<Result<unknown>> {
    const bridge = window.switchboardDesktop;
    if (!bridge) return Promise.resolve({ ok: false, error: { code: 'NOT_IMPLEMENTED', message: 'Only the desktop app can do this.' } });
    return bridge.call(method, input);
  }
};

/** The view this window shows on its own (`#/view/<id>`), or null for the full console. */
export const detachedView = (): DetachableView | null => viewOfRoute(location.hash);

const GEOMETRY_KEY = (view: DetachableView) => `switchboard.viewWindow.${view}`;
const OPEN_KEY = 'switchboard.viewWindows.open';

interface Geometry {
  left: number;
  top: number;
  width: number;
  height: number;
}

function readGeometry(view: DetachableView): Geometry | null {
  try {
    const g = JSON.parse(localStorage.getItem(GEOMETRY_KEY(view)) ?? 'null') as Geometry | null;
    return g && [g.left, g.top, g.width, g.height].every((n) => Number.isFinite(n)) ? g : null;
  } catch {
    return null;
  }
}

/** Views a browser workstation had open in their own windows (the desktop app keeps this in the main process). */
export function rememberedOpenViews(): DetachableView[] {
  try {
    const list = JSON.parse(localStorage.getItem(OPEN_KEY) ?? '[]') as unknown[];
    return list.map((v) => viewOfRoute(`${VIEW_ROUTE_PREFIX}${String(v)}`)).filter((v): v is DetachableView => v !== null);
  } catch {
    return [];
  }
}

function setRememberedOpen(view: DetachableView, open: boolean): void {
  const next = new Set(rememberedOpenViews());
  if (open) next.add(view);
  else next.delete(view);
  localStorage.setItem(OPEN_KEY, JSON.stringify([...next]));
}

/**
 * Opens a view in its own window. window.open keeps the opener's session (the
 * browser copies sessionStorage into the new window), so the view window is
 * signed in as the same operator. The desktop app places it where that view
 * was left; a browser gets the geometry it last had on this workstation.
 */
export function openViewWindow(view: DetachableView): Window | null {
  const url = `${location.pathname}${location.search}${VIEW_ROUTE_PREFIX}${view}`;
  const g = desktop.available() ? null : readGeometry(view);
  const features = g ? `popup,left=${g.left},top=${g.top},width=${g.width},height=${g.height}` : 'popup,width=1280,height=800';
  const opened = window.open(url, `switchboard-view-${view}`, features);
  if (opened && !desktop.available()) setRememberedOpen(view, true);
  return opened;
}

/**
 * In a browser view window: remembers its geometry as it moves, and that it
 * is open (closed by the operator, it is not reopened next time; closed with
 * the main window, it is).
 */
export function followViewWindowGeometry(view: DetachableView): () => void {
  if (desktop.available()) return () => undefined;
  const save = () => {
    localStorage.setItem(GEOMETRY_KEY(view), JSON.stringify({ left: window.screenX, top: window.screenY, width: window.outerWidth, height: window.outerHeight }));
  };
  const timer = setInterval(save, 2_000);
  const onUnload = () => {
    save();
    // The opener still open means the operator closed only this view window.
    if (window.opener && !(window.opener as Window).closed) setRememberedOpen(view, false);
  };
  window.addEventListener('resize', save);
  window.addEventListener('beforeunload', onUnload);
  return () => {
    clearInterval(timer);
    window.removeEventListener('resize', save);
    window.removeEventListener('beforeunload', onUnload);
  };
}

/** Saves a core export through the desktop app's save dialog (the page, a file:// document there, cannot download it itself). */
export async function saveExportThroughDesktop(url: string, filename: string): Promise<void> {
  const token = api.session.token();
  if (!token) throw new Error('Not signed in.');
  const result = await desktop.call('export.save', { url, filename, token });
  if (!result.ok) throw new Error(result.error.message);
  if (!(result.value as { saved?: boolean }).saved) throw new Error('Save cancelled; the export was not saved.');
}

/** The report as PDF: printToPDF in the desktop app (a save dialog), the browser's print dialog elsewhere. */
export async function saveReportPdf(filename: string): Promise<string | null> {
  if (!desktop.available()) {
    window.print();
    return null;
  }
  const result = await desktop.call('report.savePdf', { filename });
  if (!result.ok) return result.error.message;
  const saved = result.value as { saved: boolean; path?: string };
  return saved.saved ? `Saved ${saved.path}` : 'Not saved.';
}
