import type { Kysely } from 'kysely';
import { steadyNow } from '../../clock';
import type { SocketLogStatistics } from '../../../../shared/contract/log';
import type { DatabaseSchema } from '../../db/schema';
import { AppError } from '../../errors';
import { applyFilter, rowsFrom, type RowFilter } from './queries';
import { COUNTER_LEVELS } from '../store/statements';
import type { CounterCounts } from '../store/tables';
import { DAY_MS, HOUR_MS, MINUTE_MS, floorTo, planRange, toIso, type MsRange } from '../store/time';

/**
 * Runs the console's default statistic (the last 30 days) once at start, so the
 * counter pages are in the page cache and the query path is compiled before a
 * supervisor asks: the first query otherwise pays for both (about 50 ms at 10M rows).
 */
export async function warmStatistics(db: Kysely<DatabaseSchema>, now = steadyNow()): Promise<void> {
  await aggregate(db, { from: now - 30 * DAY_MS, to: now });
}

/** Counts for one (event type, status, role) combination over some range. */
export type Combo = CounterCounts;

/** Event types whose failed rows count as failed connections (the hub logs refusals as `connect` + failed). */
export const CONNECTION_EVENT_TYPES = ['connect', 'connect_error', 'connection_refused'] as const;
export const AMBULANCE_REQUEST = 'ambulance_request';
export const HOSPITAL_RESPONSE = 'hospital_response';

const comboKey = (c: Pick<Combo, 'event_type' | 'status' | 'user_role'>) => `${c.event_type}\u0000${c.status}\u0000${c.user_role}`;

export function mergeCombos(into: Map<string, Combo>, rows: ReadonlyArray<{ [K in keyof Combo]?: unknown }>) {
  for (const r of rows) {
    const c: Combo = {
      event_type: String(r.event_type),
      status: String(r.status),
      user_role: String(r.user_role ?? ''),
      count: Number(r.count ?? 0),
      rt_sum: Number(r.rt_sum ?? 0),
      rt_count: Number(r.rt_count ?? 0)
    };
    const existing = into.get(comboKey(c));
    if (existing) {
      existing.count += c.count;
      existing.rt_sum += c.rt_sum;
      existing.rt_count += c.rt_count;
    } else into.set(comboKey(c), c);
  }
}

/** Counts per combination read from the rows themselves (exact to the millisecond; use on small sets). */
export async function rowCombos(db: Kysely<DatabaseSchema>, filter: RowFilter): Promise<Combo[]> {
  const rows = await applyFilter(rowsFrom(db, filter), filter)
    .select((eb) => [
      'event_type',
      'status',
      'user_role',
      eb.fn.countAll<number>().as('count'),
      eb.fn.sum<number>('response_time_ms').as('rt_sum'),
      eb.fn.count<number>('response_time_ms').as('rt_count')
    ])
    .groupBy(['event_type', 'status', 'user_role'])
    .execute();
  const combos = new Map<string, Combo>();
  mergeCombos(combos, rows);
  return [...combos.values()];
}

/**
 * Counts per combination over [from, to): whole hours and minutes from the
 * pre-aggregated counters, only sub-minute edges from the rows. With `userId`
 * (a non-reader asking about their own activity) it reads their rows directly:
 * the counters are not per user, and one user's rows are few.
 */
export async function aggregate(db: Kysely<DatabaseSchema>, range: MsRange, userId?: string): Promise<Combo[]> {
  const combos = new Map<string, Combo>();
  const raw = async (r: MsRange) => mergeCombos(combos, await rowCombos(db, { from: r.from, to: r.to - 1, userId }));
  if (userId !== undefined) {
    await raw(range);
    return [...combos.values()];
  }
  const plan = planRange(range);
  const counted = async (granularity: 'm' | 'h' | 'd', r: MsRange) => {
    const rows = await db
      .selectFrom('socket_log_counters')
      .where('granularity', '=', granularity)
      .where('bucket', '>=', r.from)
      .where('bucket', '<', r.to)
      .select((eb) => [
        'event_type',
        'status',
        'user_role',
        eb.fn.sum<number>('count').as('count'),
        eb.fn.sum<number>('rt_sum').as('rt_sum'),
        eb.fn.sum<number>('rt_count').as('rt_count')
      ])
      .groupBy(['event_type', 'status', 'user_role'])
      .execute();
    mergeCombos(combos, rows);
  };
  for (const r of plan.days) await counted('d', r);
  for (const r of plan.hours) await counted('h', r);
  for (const r of plan.minutes) await counted('m', r);
  for (const r of plan.raw) await raw(r);
  return [...combos.values()];
}

/** The flight recorder's keyframes: rows the core writes about itself (see replay/keyframe.ts), not traffic. */
export const KEYFRAME_EVENT_TYPE = 'replay:keyframe';
/** Whether a row counts as traffic in the statistics: everything but the recorder's own keyframes. */
export const isTraffic = (eventType: string): boolean => eventType !== KEYFRAME_EVENT_TYPE;

const pct = (part: number, whole: number) => (whole > 0 ? Math.round((part / whole) * 10_000) / 100 : 0);

/** The seed's statistics shape, plus average response time, error rate and failed connections. */
export function summarize(combos: readonly Combo[], range: MsRange): SocketLogStatistics {
  const byType: Record<string, number> = {};
  const byStatus: Record<string, number> = {};
  const byRole: Record<string, number> = {};
  let total = 0;
  let failed = 0;
  let failedConnections = 0;
  let rtSum = 0;
  let rtCount = 0;
  for (const c of combos) {
    if (c.count <= 0 || !isTraffic(c.event_type)) continue;
    total += c.count;
    byType[c.event_type] = (byType[c.event_type] ?? 0) + c.count;
    byStatus[c.status] = (byStatus[c.status] ?? 0) + c.count;
    const role = c.user_role || 'unknown';
    byRole[role] = (byRole[role] ?? 0) + c.count;
    if (c.status === 'failed') {
      failed += c.count;
      if ((CONNECTION_EVENT_TYPES as readonly string[]).includes(c.event_type)) failedConnections += c.count;
    }
    rtSum += c.rt_sum;
    rtCount += c.rt_count;
  }
  const requests = byType[AMBULANCE_REQUEST] ?? 0;
  const responses = byType[HOSPITAL_RESPONSE] ?? 0;
  return {
    total_events: total,
    events_by_type: byType,
    events_by_status: byStatus,
    events_by_role: byRole,
    ambulance_requests: requests,
    ambulance_responses: responses,
    response_rate: pct(responses, requests),
    time_range: { start_date: toIso(range.from), end_date: toIso(range.to - 1) },
    avg_response_time_ms: rtCount > 0 ? Math.round((rtSum / rtCount) * 100) / 100 : null,
    error_rate: pct(failed, total),
    failed_connections: failedConnections
  };
}

export const BUCKETS = { minute: MINUTE_MS, hour: HOUR_MS, day: DAY_MS } as const;
const MAX_BUCKETS = 2_000;

export interface SeriesBucket {
  start: string;
  total: number;
  by_type: Record<string, number>;
  failed: number;
  ambulance_requests: number;
  ambulance_responses: number;
  response_rate: number | null;
  avg_response_time_ms: number | null;
  error_rate: number | null;
}

/** Per-bucket series for charts, from the minute or hour counters (whole buckets). */
export async function timeSeries(db: Kysely<DatabaseSchema>, range: MsRange, bucketMs: number): Promise<SeriesBucket[]> {
  const start = floorTo(range.from, bucketMs);
  const count = Math.ceil((range.to - start) / bucketMs);
  if (count > MAX_BUCKETS) {
    throw new AppError('VALIDATION_FAILED', `That range has ${count} buckets; pick a larger bucket (at most ${MAX_BUCKETS} per chart).`);
  }
  const granularity = bucketMs % DAY_MS === 0 ? 'd' : bucketMs % HOUR_MS === 0 ? 'h' : 'm';
  const rows = await db
    .selectFrom('socket_log_counters')
    .where('granularity', '=', granularity)
    .where('bucket', '>=', start)
    .where('bucket', '<', range.to)
    .select((eb) => [
      'bucket',
      'event_type',
      'status',
      eb.fn.sum<number>('count').as('count'),
      eb.fn.sum<number>('rt_sum').as('rt_sum'),
      eb.fn.sum<number>('rt_count').as('rt_count')
    ])
    .groupBy(['bucket', 'event_type', 'status'])
    .execute();
  return buildSeries(start, count, bucketMs, rows);
}

/** One counter row of a series: a bucket (epoch ms), a combination and its sums. */
export interface SeriesRow {
  bucket: number | string;
  event_type: string;
  status: string;
  count: number | string;
  rt_sum: number | string | null;
  rt_count: number | string;
}

/** The chart's buckets from counter rows (shared by the SQLite and PostgreSQL statistics). */
export function buildSeries(start: number, count: number, bucketMs: number, rows: readonly SeriesRow[]): SeriesBucket[] {
  const acc = new Map<number, SeriesBucket & { rtSum: number; rtCount: number }>();
  for (let i = 0; i < count; i += 1) {
    const at = start + i * bucketMs;
    acc.set(at, {
      start: toIso(at),
      total: 0,
      by_type: {},
      failed: 0,
      ambulance_requests: 0,
      ambulance_responses: 0,
      response_rate: null,
      avg_response_time_ms: null,
      error_rate: null,
      rtSum: 0,
      rtCount: 0
    });
  }
  for (const r of rows) {
    const b = acc.get(floorTo(Number(r.bucket), bucketMs));
    if (!b || !isTraffic(r.event_type)) continue;
    const n = Number(r.count);
    b.total += n;
    b.by_type[r.event_type] = (b.by_type[r.event_type] ?? 0) + n;
    if (r.status === 'failed') b.failed += n;
    if (r.event_type === AMBULANCE_REQUEST) b.ambulance_requests += n;
    if (r.event_type === HOSPITAL_RESPONSE) b.ambulance_responses += n;
    b.rtSum += Number(r.rt_sum);
    b.rtCount += Number(r.rt_count);
  }
  return [...acc.values()].map(({ rtSum, rtCount, ...b }) => ({
    ...b,
    response_rate: b.ambulance_requests > 0 ? pct(b.ambulance_responses, b.ambulance_requests) : null,
    avg_response_time_ms: rtCount > 0 ? Math.round((rtSum / rtCount) * 100) / 100 : null,
    error_rate: b.total > 0 ? pct(b.failed, b.total) : null
  }));
}

/**
 * Rebuilds the counters from the rows (repair, or after a bulk load that
 * bypassed the writer). Bucket arithmetic stays in the portable builder.
 */
export async function rebuildCounters(db: Kysely<DatabaseSchema>): Promise<void> {
  await db.transaction().execute(async (trx) => {
    await trx.deleteFrom('socket_log_counters').execute();
    for (const [granularity, unit] of COUNTER_LEVELS) {
      await trx
        .insertInto('socket_log_counters')
        .columns(['granularity', 'bucket', 'event_type', 'status', 'user_role', 'count', 'rt_sum', 'rt_count'])
        .expression((eb) =>
          eb
            .selectFrom('socket_logs')
            .select((s) => [
              s.val(granularity).as('granularity'),
              s('created_at', '-', s('created_at', '%', unit)).as('bucket'),
              'event_type',
              'status',
              s.fn.coalesce('user_role', s.val('')).as('user_role'),
              s.fn.countAll<number>().as('count'),
              s.fn.coalesce(s.fn.sum<number>('response_time_ms'), s.val(0)).as('rt_sum'),
              s.fn.count<number>('response_time_ms').as('rt_count')
            ])
            // Group by the expressions, not aliases: SQLite resolves a bare name to the column first.
            .groupBy((s) => [s('created_at', '-', s('created_at', '%', unit)), 'event_type', 'status', s.fn.coalesce('user_role', s.val(''))])
        )
        .execute();
    }
  });
}
