import type { UnitStatus } from '../../stores/dispatchModel';

/** One colour per unit status, shared by the map, the board and the legend. */
export const UNIT_STATUS_COLORS: Record<UnitStatus, string> = {
  available: '#3fb950',
  dispatched: '#d29922',
  enroute: '#f0883e',
  onscene: '#58a6ff',
  transporting: '#bc8cff',
  athospital: '#39c5cf',
  outofservice: '#6e7681',
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

export const PRIORITY_COLORS: Record<number, string> = { 1: '#f85149', 2: '#f0883e', 3: '#d29922', 4: '#8b949e' };
export const priorityColor = (p: number) => PRIORITY_COLORS[Math.min(4, Math.max(1, Math.round(p)))] ?? '#8b949e';

export function hexToRgb(hex: string): [number, number, number] {
  const n = parseInt(hex.slice(1), 16);
  return [((n >> 16) & 255) / 255, ((n >> 8) & 255) / 255, (n & 255) / 255];
}
