import { describe, expect, it } from 'vitest';
import { createSteadyClock, type ClockStep } from '../../../src/main/core/clock';

/** A wall clock and a monotonic clock the test moves by hand. */
function clocks(start = Date.UTC(2026, 0, 1)) {
  const c = { wall: start, mono: 0 };
  return { c, advance: (ms: number) => ((c.wall += ms), (c.mono += ms)), clock: createSteadyClock(() => c.wall, () => c.mono) };
}
const flush = () => new Promise<void>((r) => queueMicrotask(r));

describe('steady clock: log times through wall-clock steps', () => {
  it('follows the wall clock while nothing steps', () => {
    const { c, advance, clock } = clocks();
    advance(1_000);
    expect(clock.now()).toBe(c.wall);
    expect(clock.offset()).toBe(0);
  });

  it('never goes back after a step back of an hour, reports it, and slews back to the wall clock', async () => {
    const { c, advance, clock } = clocks();
    const steps: ClockStep[] = [];
    clock.onStep((s) => steps.push(s));
    advance(10_000);
    const before = clock.now();
    c.wall -= 3_600_000;
    const after = clock.now();
    await flush();
    expect(after).toBeGreaterThanOrEqual(before);
    expect(steps).toHaveLength(1);
    expect(steps[0]).toMatchObject({ direction: 'back', stepMs: -3_600_000, offsetMs: 3_600_000 });
    // Each second of real time the clock advances 0.9 s: in order, and catching up.
    let last = after;
    for (let i = 0; i < 100; i += 1) {
      advance(1_000);
      const t = clock.now();
      expect(t).toBeGreaterThan(last);
      last = t;
    }
    expect(clock.offset()).toBeCloseTo(3_600_000 - 10_000, -1);
    advance(11 * 3_600_000);
    expect(clock.now()).toBe(c.wall);
    expect(steps).toHaveLength(1);
  });

  it('reports a forward jump and follows it (times stay in order)', async () => {
    const { c, advance, clock } = clocks();
    const steps: ClockStep[] = [];
    clock.onStep((s) => steps.push(s));
    advance(1_000);
    c.wall += 600_000;
    expect(clock.now()).toBe(c.wall);
    await flush();
    expect(steps).toMatchObject([{ direction: 'forward', stepMs: 600_000, offsetMs: 0 }]);
  });

  it('does not call scheduling noise a step', async () => {
    const { c, advance, clock } = clocks();
    const steps: ClockStep[] = [];
    clock.onStep((s) => steps.push(s));
    advance(500);
    c.wall -= 300;
    clock.now();
    c.wall += 900;
    clock.now();
    await flush();
    expect(steps).toEqual([]);
  });
});
