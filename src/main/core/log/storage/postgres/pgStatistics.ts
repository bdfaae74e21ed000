import { AppError } from '../../../errors';
import { buildSeries, mergeCombos, type Combo, type SeriesBucket, type SeriesRow } from '../../read/statistics';
import { MINUTE_MS, floorTo, planRange, type MsRange } from '../../store/time';
import type { RowFilter } from '../LogStorage';
import type { PgDatabase } from './pgDatabase';
import { pgWhere } from './pgReads';

const MAX_BUCKETS = 2_000;
const iso = (ms: number) => new Date(ms).toISOString();
type ComboRow = { event_type: string; status: string; user_role: string | null; count: string; rt_sum: string | null; rt_count: string };

/**
 * Statistics on PostgreSQL: whole minutes from log_counters (one row per minute,
 * node, event type, status and role, moved in the transaction that writes the
 * rows, so a sum over nodes equals a GROUP BY over the rows), and the sub-minute
 * edges of a range from the rows themselves.
 */
export function createPgStatistics(pg: PgDatabase) {
  const { pool } = pg;

  const rowCombos = async (filter: RowFilter): Promise<Combo[]> => {
    const params: unknown[] = [];
    const where = pgWhere(filter, params);
    const res = await pool.query<ComboRow>(
      `SELECT event_type, current_status AS status, coalesce(user_role, '') AS user_role, count(*) AS count,
         sum(cur_response_time_ms) AS rt_sum, count(cur_response_time_ms) AS rt_count
       FROM socket_logs ${where} GROUP BY 1, 2, 3`,
      params
    );
    const combos = new Map<string, Combo>();
    mergeCombos(combos, res.rows);
    return [...combos.values()];
  };

  const counted = async (ranges: readonly MsRange[]): Promise<Combo[]> => {
    if (ranges.length === 0) return [];
    const res = await pool.query<ComboRow>(
      `SELECT c.event_type, c.status, c.user_role, sum(c.count) AS count, sum(c.rt_sum) AS rt_sum, sum(c.rt_count) AS rt_count
       FROM log_counters c JOIN unnest($1::timestamptz[], $2::timestamptz[]) AS r(lo, hi) ON c.minute >= r.lo AND c.minute < r.hi
       GROUP BY 1, 2, 3`,
      [ranges.map((r) => iso(r.from)), ranges.map((r) => iso(r.to))]
    );
    const combos = new Map<string, Combo>();
    mergeCombos(combos, res.rows);
    return [...combos.values()];
  };

  return {
    rowCombos,

    /** Counts per (event type, status, role) over [from, to). */
    async aggregate(range: MsRange, userId?: string): Promise<Combo[]> {
      if (range.to <= range.from) return [];
      // The counters are not per user; one user's rows are few.
      if (userId !== undefined) return rowCombos({ from: range.from, to: range.to - 1, userId });
      const plan = planRange(range);
      const combos = new Map<string, Combo>();
      mergeCombos(combos, await counted([...plan.days, ...plan.hours, ...plan.minutes]));
      for (const r of plan.raw) mergeCombos(combos, await rowCombos({ from: r.from, to: r.to - 1 }));
      return [...combos.values()];
    },

    /** Per-bucket series for charts from the minute counters (whole buckets). */
    async timeSeries(range: MsRange, bucketMs: number): Promise<SeriesBucket[]> {
      const start = floorTo(range.from, bucketMs);
      const count = Math.ceil((range.to - start) / bucketMs);
      if (count > MAX_BUCKETS) throw new AppError('VALIDATION_FAILED', `That range has ${count} buckets; pick a larger bucket (at most ${MAX_BUCKETS} per chart).`);
      if (bucketMs % MINUTE_MS !== 0) throw new AppError('VALIDATION_FAILED', 'A chart bucket is a whole number of minutes.');
      const res = await pool.query<SeriesRow>(
        `SELECT (floor(extract(epoch FROM minute) * 1000 / $3) * $3)::bigint AS bucket, event_type, status,
           sum(count) AS count, sum(rt_sum) AS rt_sum, sum(rt_count) AS rt_count
         FROM log_counters WHERE minute >= $1 AND minute < $2 GROUP BY 1, 2, 3`,
        [iso(start), iso(range.to), bucketMs]
      );
      return buildSeries(start, count, bucketMs, res.rows);
    }
  };
}
