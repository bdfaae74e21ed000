import { describe, expect, it } from 'vitest';
import { placeArrows, type Rect } from '../../../src/renderer/src/features/map/edgeIndicators';

/**
 * Off-screen P1 calls get an arrow on the map's edge. In the dispatch
 * screenshot two arrows for calls in the same direction covered each other and
 * the details panel: their width was guessed, not measured.
 */

const view = { width: 790, height: 904 };
const overlaps = (a: Rect, b: Rect) => a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height;
const inside = (r: Rect) => r.x >= 0 && r.y >= 0 && r.x + r.width <= view.width && r.y + r.height <= view.height;

describe('arrows to off-screen P1 calls', () => {
  it('puts an arrow on the edge the call lies beyond', () => {
    const [north, east] = placeArrows(view, [
      { toward: { dx: 0, dy: -2000 }, width: 200, height: 26 },
      { toward: { dx: 3000, dy: 0 }, width: 200, height: 26 }
    ]);
    expect(north!.y).toBeLessThan(20);
    expect(north!.x + north!.width / 2).toBeCloseTo(view.width / 2, 0);
    expect(east!.x + east!.width).toBeGreaterThan(view.width - 20);
  });

  it('slides arrows for calls in the same direction apart, by their measured width, and keeps clear of the details panel', () => {
    const details: Rect = { x: 8, y: 8, width: 330, height: 420 };
    // The screenshot's case: two calls to the north-west, behind the details panel's corner, and one to the west.
    const arrows = [
      { toward: { dx: -10, dy: -2000 }, width: 223, height: 26 },
      { toward: { dx: -12, dy: -2100 }, width: 231, height: 26 },
      { toward: { dx: -2000, dy: -300 }, width: 223, height: 26 }
    ];
    const places = placeArrows(view, arrows, [details]);
    const drawn = places.filter((p): p is Rect => p !== null);
    expect(drawn.length).toBe(arrows.length);
    drawn.forEach((a, i) => {
      expect(inside(a)).toBe(true);
      expect(overlaps(a, details)).toBe(false);
      for (const b of drawn.slice(i + 1)) expect(overlaps(a, b)).toBe(false);
    });
  });

  it('leaves an arrow out rather than drawing it over another when the edge is full', () => {
    // A small map: the top edge and the corner of the right one hold two of six arrows.
    const small = { width: 320, height: 90 };
    const places = placeArrows(small, Array.from({ length: 6 }, () => ({ toward: { dx: 0, dy: -5000 }, width: 140, height: 26 })));
    const drawn = places.filter((p): p is Rect => p !== null);
    expect(drawn.length).toBe(2);
    expect(places.slice(2)).toEqual([null, null, null, null]);
    expect(overlaps(drawn[0]!, drawn[1]!)).toBe(false);
    for (const a of drawn) expect(a.x >= 0 && a.y >= 0 && a.x + a.width <= small.width && a.y + a.height <= small.height).toBe(true);
  });
});
