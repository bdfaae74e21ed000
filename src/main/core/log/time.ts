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
  /** Whole hours read from the hour counters. */
  hours: MsRange[];
  /** Whole minutes read from the minute counters. */
  minutes: MsRange[];
  /** Sub-minute edges read from the rows themselves. */
  raw: MsRange[];
}

/**
 * Splits a range so statistics read as few counter rows as possible: whole
 * hours from the hour counters, the ragged minutes at either end from the minute
 * counters, and only the sub-minute edges (at most two minutes of rows) from the
 * log itself.
 */
export function planRange({ from, to }: MsRange): RangePlan {
  const plan: RangePlan = { hours: [], minutes: [], raw: [] };
  if (to <= from) return plan;
  const m0 = ceilTo(from, MINUTE_MS);
  const m1 = floorTo(to, MINUTE_MS);
  if (m0 >= m1) {
    plan.raw.push({ from, to });
    return plan;
  }
  if (from < m0) plan.raw.push({ from, to: m0 });
  if (m1 < to) plan.raw.push({ from: m1, to });
  const h0 = ceilTo(m0, HOUR_MS);
  const h1 = floorTo(m1, HOUR_MS);
  if (h0 >= h1) {
    plan.minutes.push({ from: m0, to: m1 });
    return plan;
  }
  plan.hours.push({ from: h0, to: h1 });
  if (m0 < h0) plan.minutes.push({ from: m0, to: h0 });
  if (h1 < m1) plan.minutes.push({ from: h1, to: m1 });
  return plan;
}
