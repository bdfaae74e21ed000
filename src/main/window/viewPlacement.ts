import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { DETACHABLE_VIEWS, type DetachableView } from '../../shared/desktop';
import type { Rect } from './windowState';

/**
 * Where each view window was left on this workstation, in
 * `<userData>/view-windows.json`: its bounds, the monitor it was on (display id
 * and that display's bounds, since ids are not stable across every re-plug),
 * fullscreen, and whether it was open when the app last ran.
 */
const RectSchema = z.object({
  x: z.number().int().min(-100_000).max(100_000),
  y: z.number().int().min(-100_000).max(100_000),
  width: z.number().int().min(200).max(20_000),
  height: z.number().int().min(150).max(20_000)
});

export const ViewPlacementSchema = z.object({
  bounds: RectSchema,
  display: z.object({ id: z.number(), bounds: RectSchema }),
  fullscreen: z.boolean().default(false),
  open: z.boolean().default(false)
});
export type ViewPlacement = z.infer<typeof ViewPlacementSchema>;

export const ViewPlacementsSchema = z.partialRecord(z.enum(DETACHABLE_VIEWS), ViewPlacementSchema);
export type ViewPlacements = Partial<Record<DetachableView, ViewPlacement>>;

export const viewPlacementFile = (userDataDir: string) => path.join(userDataDir, 'view-windows.json');

export interface DisplayLike {
  id: number;
  bounds: Rect;
  workArea: Rect;
}

export function loadViewPlacements(file: string): { placements: ViewPlacements; problem?: string } {
  try {
    const parsed = ViewPlacementsSchema.safeParse(JSON.parse(fs.readFileSync(file, 'utf8')));
    return parsed.success ? { placements: parsed.data } : { placements: {}, problem: 'invalid fields' };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { placements: {} };
    return { placements: {}, problem: (err as Error).message };
  }
}

export function saveViewPlacements(file: string, placements: ViewPlacements): void {
  const valid = ViewPlacementsSchema.parse(placements);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const temp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(temp, `${JSON.stringify(valid, null, 2)}\n`, { mode: 0o600 });
  fs.renameSync(temp, file);
}

export interface RestoredPlacement {
  bounds: Rect;
  fullscreen: boolean;
  displayId: number;
  /** Why the window is not where it was left (its monitor is gone), for the log. */
  fallback?: string;
}

const sameRect = (a: Rect, b: Rect) => a.x === b.x && a.y === b.y && a.width === b.width && a.height === b.height;

/** Keeps the window's offset within its monitor, shrunk to fit that monitor's work area. */
function placeOn(saved: ViewPlacement, target: DisplayLike): Rect {
  const area = target.workArea;
  const width = Math.min(saved.bounds.width, area.width);
  const height = Math.min(saved.bounds.height, area.height);
  const offsetX = saved.bounds.x - saved.display.bounds.x;
  const offsetY = saved.bounds.y - saved.display.bounds.y;
  const x = Math.min(Math.max(target.bounds.x + offsetX, area.x), area.x + area.width - width);
  const y = Math.min(Math.max(target.bounds.y + offsetY, area.y), area.y + area.height - height);
  return { x, y, width, height };
}

/**
 * Where to open a view window this time. The same monitor (by id, else by the
 * same bounds: some systems renumber displays on every plug) at the same place
 * and fullscreen as left. When that monitor is gone, the window opens on the
 * primary one, inside its work area and not fullscreen: fullscreen there would
 * cover the dispatcher's main console.
 */
export function restorePlacement(saved: ViewPlacement, displays: readonly DisplayLike[], primaryId?: number): RestoredPlacement | null {
  if (displays.length === 0) return null;
  const same = displays.find((d) => d.id === saved.display.id) ?? displays.find((d) => sameRect(d.bounds, saved.display.bounds));
  if (same) return { bounds: placeOn(saved, same), fullscreen: saved.fullscreen, displayId: same.id };
  const primary = displays.find((d) => d.id === primaryId) ?? displays[0]!;
  return {
    bounds: placeOn(saved, primary),
    fullscreen: false,
    displayId: primary.id,
    fallback: `monitor ${saved.display.id} (${saved.display.bounds.width}x${saved.display.bounds.height} at ${saved.display.bounds.x},${saved.display.bounds.y}) is not connected`
  };
}
