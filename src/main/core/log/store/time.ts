export const MINUTE_MS = 60_000;
export const HOUR_MS = 3_600_000;
export const DAY_MS = 86_400_000;

export const floorTo = (ms: number, unit: number): number => Math.floor(ms / unit) * unit;
export const ceilTo = (ms: number, unit: number): number => Math.ceil(ms / unit) * unit;

export const toIso = (ms: number): string => new Date(ms).toISOString();
export const toIsoOrNull = (ms: number | null | undefined): string | null =>
  ms === null || ms === undefined ? null : new Date(Number(ms)).toISOString();

/** A half-open range [from, to) in epoch ms. */
export interface MsRange {
  from: number;
  to: number;
}

export interface RangePlan {
  /** Whole days read from the day counters. */
  days: MsRange[];
  /** Whole hours read from the hour counters. */
  hours: MsRange[];
  /** Whole minutes read from the minute counters. */
  minutes: MsRange[];
  /** Sub-minute edges read from the rows themselves. */
  raw: MsRange[];
}

/**
 * Splits a range so statistics read as few counter rows as possible: whole days
 * from the day counters, the ragged hours at either end from the hour counters,
 * then ragged minutes, and only the sub-minute edges (at most two minutes of
 * rows) from the log itself. Buckets are UTC-aligned.
 */
export function planRange(range: MsRange): RangePlan {
  const plan: RangePlan = { days: [], hours: [], minutes: [], raw: [] };
  const levels: Array<[unit: number, into: MsRange[]]> = [
    [DAY_MS, plan.days],
    [HOUR_MS, plan.hours],
    [MINUTE_MS, plan.minutes]
  ];
  const split = ({ from, to }: MsRange, level: number): void => {
    if (to <= from) return;
    const entry = levels[level];
    if (!entry) {
      plan.raw.push({ from, to });
      return;
    }
    const [unit, into] = entry;
    const a = ceilTo(from, unit);
    const b = floorTo(to, unit);
    if (a >= b) {
      split({ from, to }, level + 1);
      return;
    }
    split({ from, to: a }, level + 1);
    into.push({ from: a, to: b });
    split({ from: b, to }, level + 1);
  };
  split(range, 0);
  for (const list of [plan.days, plan.hours, plan.minutes, plan.raw]) list.sort((x, y) => x.from - y.from);
  return plan;
}
