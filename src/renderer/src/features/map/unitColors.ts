import type { UnitStatus } from '../../stores/dispatchModel';

/**
 * One colour per unit status, shared by the map, the lists and the legend. Units
 * take the cool hues (greens, blues, purples) and incident priorities the warm
 * ones, so no priority shares a colour with a unit status. Every pair stays
 * apart for a deuteranope (red-green colour blindness) as well as in normal
 * vision, and each carries dark status text legibly (checked by
 * test/unit/console/palette.test.ts); the status is always written out too, and
 * has its own glyph (features/dispatch/symbols.ts).
 */
export const UNIT_STATUS_COLORS: Record<UnitStatus, string> = {
  available: '#3fb950',
  dispatched: '#b7deff',
  enroute: '#589aff',
  onscene: '#9d69b3',
  transporting: '#ff7cb7',
  athospital: '#42beca',
  outofservice: '#847c74',
  unknown: '#848e97'
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
export const PRIORITY_COLORS: Record<number, string> = { 1: '#ff4040', 2: '#ff9b01', 3: '#ffea6b', 4: '#e6edf3' };
export const priorityColor = (p: number) => PRIORITY_COLORS[Math.min(4, Math.max(1, Math.round(p)))] ?? '#8b949e';
