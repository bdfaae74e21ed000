import { describe, expect, it } from 'vitest';
import { HOUR_MS, MINUTE_MS, planRange } from '../../../src/main/core/log/store/time';

const T0 = Date.UTC(2025, 7, 2, 0, 0, 0);

describe('planRange', () => {
  it('reads whole hours from hour counters, ragged minutes from minute counters and only sub-minute edges from rows', () => {
    const from = T0 + 10 * MINUTE_MS + 30_000; // 00:10:30
    const to = T0 + 5 * HOUR_MS + 20 * MINUTE_MS + 15_000; // 05:20:15
    expect(planRange({ from, to })).toEqual({
      days: [],
      hours: [{ from: T0 + HOUR_MS, to: T0 + 5 * HOUR_MS }],
      minutes: [
        { from: T0 + 11 * MINUTE_MS, to: T0 + HOUR_MS },
        { from: T0 + 5 * HOUR_MS, to: T0 + 5 * HOUR_MS + 20 * MINUTE_MS }
      ],
      raw: [
        { from, to: T0 + 11 * MINUTE_MS },
        { from: T0 + 5 * HOUR_MS + 20 * MINUTE_MS, to }
      ]
    });
  });

  it('covers the range exactly once whatever its alignment', () => {
    for (const [from, to] of [
      [T0, T0 + 30 * 86_400_000],
      [T0 + 1, T0 + 59_999],
      [T0 + 5 * MINUTE_MS, T0 + 50 * MINUTE_MS],
      [T0 + 123_456, T0 + 7 * HOUR_MS + 1]
    ] as const) {
      const plan = planRange({ from, to });
      const pieces = [...plan.days, ...plan.hours, ...plan.minutes, ...plan.raw].sort((a, b) => a.from - b.from);
      expect(pieces[0]!.from).toBe(from);
      expect(pieces.at(-1)!.to).toBe(to);
      for (let i = 1; i < pieces.length; i += 1) expect(pieces[i]!.from).toBe(pieces[i - 1]!.to);
    }
    expect(planRange({ from: T0, to: T0 })).toEqual({ days: [], hours: [], minutes: [], raw: [] });
    const month = planRange({ from: T0 + 30_000, to: T0 + 30 * 86_400_000 - 1 });
    expect(month.days).toEqual([{ from: T0 + 86_400_000, to: T0 + 29 * 86_400_000 }]);
    expect(month.hours).toHaveLength(2);
  });
});
