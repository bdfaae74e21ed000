import { describe, expect, it } from 'vitest';
import { PRIORITY_COLORS, UNIT_STATUS_COLORS, UNIT_STATUS_LABELS } from '../../../src/renderer/src/features/map/unitColors';
import { contrast, deltaE2000, deltaE2000Lab, deuteranopia, hexToRgb } from './colorVision';

/**
 * A dispatcher with red-green colour blindness must tell "en route" from "on
 * scene" on the map at a glance, and anyone must read the status written on
 * each pill. The walk-through of the console measured deuteranopia differences
 * of 5.5 and 6.6 between neighbouring statuses; these checks keep every pair of
 * the palette apart.
 */

/** Colour differences (CIEDE2000) below this are hard to tell apart on small markers. */
const DISTINCT = 12;
/** WCAG AA for the dark status text (#0d1117) written on each colour. */
const TEXT_CONTRAST = 4.5;
const TEXT = hexToRgb('#0d1117');

function pairs(palette: Record<string, string>) {
  const entries = Object.entries(palette);
  return entries.flatMap(([a, ca], i) => entries.slice(i + 1).map(([b, cb]) => ({ pair: `${a} / ${b}`, a: hexToRgb(ca), b: hexToRgb(cb) })));
}

function tooClose(palette: Record<string, string>) {
  return pairs(palette)
    .map(({ pair, a, b }) => ({ pair, normal: deltaE2000(a, b), deuteranopia: deltaE2000(deuteranopia(a), deuteranopia(b)) }))
    .filter((p) => p.normal < DISTINCT || p.deuteranopia < DISTINCT)
    .map((p) => `${p.pair}: ${p.normal.toFixed(1)} normal, ${p.deuteranopia.toFixed(1)} deuteranopia`);
}

function illegible(palette: Record<string, string>) {
  return Object.entries(palette)
    .map(([name, hex]) => ({ name, ratio: Math.min(contrast(hexToRgb(hex), TEXT), contrast(deuteranopia(hexToRgb(hex)), TEXT)) }))
    .filter((c) => c.ratio < TEXT_CONTRAST)
    .map((c) => `${c.name}: ${c.ratio.toFixed(2)}:1`);
}

describe('the status palette as people see it', () => {
  it('measures colour difference as the CIEDE2000 reference data does', () => {
    // Sharma, Wu & Dalal (2005), pairs 1, 7 and 17.
    expect(deltaE2000Lab([50, 2.6772, -79.7751], [50, 0, -82.7485])).toBeCloseTo(2.0425, 3);
    expect(deltaE2000Lab([50, 0, 0], [50, -1, 2])).toBeCloseTo(2.3669, 3);
    expect(deltaE2000Lab([50, 2.5, 0], [73, 25, -18])).toBeCloseTo(27.1492, 3);
  });

  it('sees the colours that collapsed before as a deuteranope would', () => {
    // The old on scene (#8957e5) and en route (#388bfd): a purple and a blue that red-green blindness merges.
    const before = deltaE2000(deuteranopia(hexToRgb('#8957e5')), deuteranopia(hexToRgb('#388bfd')));
    expect(before).toBeLessThan(DISTINCT);
    expect(deltaE2000(hexToRgb('#8957e5'), hexToRgb('#388bfd'))).toBeGreaterThan(DISTINCT);
  });

  it('keeps every pair of unit statuses apart, in normal vision and with deuteranopia', () => {
    expect(tooClose(UNIT_STATUS_COLORS)).toEqual([]);
  });

  it('keeps every pair of incident priorities apart, in normal vision and with deuteranopia', () => {
    expect(tooClose(Object.fromEntries(Object.entries(PRIORITY_COLORS).map(([p, c]) => [`P${p}`, c])))).toEqual([]);
  });

  it('writes every status and priority legibly on its own colour', () => {
    expect(illegible(UNIT_STATUS_COLORS)).toEqual([]);
    expect(illegible(Object.fromEntries(Object.entries(PRIORITY_COLORS).map(([p, c]) => [`P${p}`, c])))).toEqual([]);
  });

  it('names every status in words, so colour is never the only cue', () => {
    for (const status of Object.keys(UNIT_STATUS_COLORS)) expect(UNIT_STATUS_LABELS[status as keyof typeof UNIT_STATUS_LABELS]).toMatch(/\w/);
  });
});
