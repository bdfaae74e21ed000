import type { UnitStatus } from '../../stores/dispatchModel';

/** One colour per unit status, shared by the map, the board and the legend. */
/**
 * One colour per unit status, shared by the map, the lists and the legend. Units
 * take the cool hues (greens, blues, purples) and incident priorities the warm
 * ones, so no priority shares a colour with a unit status; neighbouring statuses
 * also differ in lightness, which survives colour-blindness, and every status
 * has its own glyph (features/dispatch/symbols.ts).
 */
export const UNIT_STATUS_COLORS: Record<UnitStatus, string> = {
  available: '#3fb950',
  dispatched: '#a5d6ff',
  enroute: '#388bfd',
  onscene: '#8957e5',
  transporting: '#f778ba',
  athospital: '#39c5cf',
  outofservice: '#484f58',
  unknown: '#8b949e'
};

export const UNIT_STATUS_LABELS: Record<UnitStatus, string> = {
  available: 'Available',
  dispatched: 'Dispatched',
  enroute: 'En route',
  onscene: 'On scene',
  transporting: 'Transporting',
  athospital: 'At hospital',
  outofservice: 'Out of service',
  unknown: 'Unknown'
};

/** Incident priorities: warm hues only, brightest-to-calmest, none used for a unit status. */
export const PRIORITY_COLORS: Record<number, string> = { 1: '#ff4040', 2: '#ff9a1f', 3: '#f2d63a', 4: '#e6edf3' };
export const priorityColor = (p: number) => PRIORITY_COLORS[Math.min(4, Math.max(1, Math.round(p)))] ?? '#8b949e';
