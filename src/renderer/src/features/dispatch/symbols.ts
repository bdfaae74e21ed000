import type { UnitStatus } from '../../stores/dispatchModel';

/**
 * Shapes that say what colour also says, for anyone who cannot tell the hues
 * apart (deuteranopia made on scene and transporting nearly the same): one glyph
 * per priority and per unit status, used on the map, in the lists and in the legend.
 */
export const PRIORITY_GLYPHS: Record<number, string> = { 1: '▲', 2: '◆', 3: '■', 4: '●' };
export const priorityGlyph = (p: number) => PRIORITY_GLYPHS[Math.min(4, Math.max(1, Math.round(p)))] ?? '●';

export const UNIT_STATUS_GLYPHS: Record<UnitStatus, string> = {
  available: '○',
  dispatched: '◔',
  enroute: '➤',
  onscene: '✚',
  transporting: '⇥',
  athospital: 'H',
  outofservice: '✕',
  unknown: '?'
};

/** Short status words for one-line rows. */
export const INCIDENT_STATUS_SHORT: Record<string, string> = {
  pending: 'PENDING',
  dispatched: 'DISP',
  en_route: 'ENRT',
  on_scene: 'SCENE',
  transporting: 'TRANS',
  at_destination: 'AT HOSP'
};
