import type { Kysely } from 'kysely';
import { steadyNow } from '../../clock';
import type { AccessEntry, SocketLogRecord, SocketLogStatistics } from '../../../../shared/contract/log';
import type { DatabaseSchema } from '../../db/schema';
import { AMBULANCE_REQUEST, HOSPITAL_RESPONSE, aggregate, summarize, timeSeries, type SeriesBucket } from './statistics';
import { countRows, lastActivity, listRows, type Page, type RowFilter } from './queries';
import { DAY_MS, HOUR_MS, toIso, toIsoOrNull } from '../store/time';
import type { AccessChannel, GroupCommitWriter } from '../write/writer';

/** Who is reading: recorded in the access log with every read. */
export interface Reader {
  actor: string;
  role: string | null;
  channel: AccessChannel;
}

const DATE_KEYS = new Set(['start_date', 'end_date', 'from', 'to']);
/** Parameters as a person would read them in the access log (dates back to ISO). */
const describe = (params: object): Record<string, unknown> =>
  Object.fromEntries(
    Object.entries(params)
      .filter(([, v]) => v !== undefined)
      .map(([k, v]) => [k, DATE_KEYS.has(k) && typeof v === 'number' ? toIso(v) : v])
  );

export interface RangeInput {
  start_date?: number;
  end_date?: number;
}

/** Default statistics range: the last 30 days (the seed's example), ending now. */
export function resolveRange(input: RangeInput, now = steadyNow()) {
  const end = input.end_date ?? now;
  const start = input.start_date ?? end - 30 * DAY_MS;
  return { from: start, to: end + 1 };
}

/**
 * Every read of the log goes through here: run the query, then record who ran
 * it, with which parameters and how many rows came back, before answering. The
 * access record is committed (group commit) before the caller sees the data.
 */
export function createLogReads(db: Kysely<DatabaseSchema>, writer: Pick<GroupCommitWriter, 'recordAccess'>) {
  const audited = async <T>(reader: Reader, query: string, params: object, run: () => Promise<T>, count: (r: T) => number): Promise<T> => {
    const result = await run();
    await writer.recordAccess({ actor: reader.actor, actorRole: reader.role, channel: reader.channel, query, params: describe(params), rowCount: count(result) });
    return result;
  };
  const rows = (reader: Reader, query: string, params: object, filter: RowFilter, page: Page) =>
    audited(reader, query, params, () => listRows(db, filter, page), (r: SocketLogRecord[]) => r.length);

  return {
    record: audited,
    myLogs: (reader: Reader, userId: string, q: Page & { event_type?: string }) =>
      rows(reader, 'my-logs', q, { userId, eventTypes: q.event_type ? [q.event_type] : undefined }, q),
    ambulanceRequests: (reader: Reader, q: Page & RangeInput & { hospital_id?: string; status?: string }, query = 'ambulance-requests') =>
      rows(reader, query, q, { eventTypes: [AMBULANCE_REQUEST], hospitalId: q.hospital_id, status: q.status, from: q.start_date, to: q.end_date }, q),
    hospitalResponses: (reader: Reader, q: Page & RangeInput & { hospital_id?: string; status?: string }) =>
      rows(reader, 'hospital-responses', q, { eventTypes: [HOSPITAL_RESPONSE], hospitalId: q.hospital_id, status: q.status, from: q.start_date, to: q.end_date }, q),
    byEventType: (reader: Reader, eventType: string, q: Page & RangeInput) =>
      rows(reader, 'by-event-type', { event_type: eventType, ...q }, { eventTypes: [eventType], from: q.start_date, to: q.end_date }, q),
    byTimeRange: (reader: Reader, q: Page & Required<RangeInput> & { event_types?: string[]; user_roles?: string[] }) =>
      rows(reader, 'by-time-range', q, { from: q.start_date, to: q.end_date, eventTypes: q.event_types, userRoles: q.user_roles }, q),
    explore: (reader: Reader, filter: RowFilter, page: Page, params: object) =>
      audited(
        reader,
        'query',
        params,
        async () => {
          const [found, counted] = await Promise.all([listRows(db, filter, page), countRows(db, filter, 100_000)]);
          return { rows: found, total: counted.total, total_capped: counted.capped };
        },
        (r) => r.rows.length
      ),
    statistics: (reader: Reader, q: RangeInput): Promise<SocketLogStatistics> =>
      audited(reader, 'statistics', q, async () => summarize(await aggregate(db, resolveRange(q)), resolveRange(q)), (s) => s.total_events),
    /** Readers see everyone's activity; anyone else only their own (`ownUserId`). */
    recentActivity: (reader: Reader, q: { hours: number; limit: number }, ownUserId?: string) =>
      audited(
        reader,
        'recent-activity',
        { ...q, own_rows_only: ownUserId !== undefined },
        async () => {
          const end = steadyNow();
          const start = end - q.hours * HOUR_MS;
          const combos = await aggregate(db, { from: start, to: end + 1 }, ownUserId);
          const summary: Record<string, { count: number; success_count: number; failed_count: number; last_activity: string | null }> = {};
          let total = 0;
          for (const c of combos) {
            if (c.count <= 0) continue;
            const s = (summary[c.event_type] ??= { count: 0, success_count: 0, failed_count: 0, last_activity: null });
            s.count += c.count;
            if (c.status === 'success') s.success_count += c.count;
            if (c.status === 'failed') s.failed_count += c.count;
            total += c.count;
          }
          const last = await lastActivity(db, Object.keys(summary), { from: start, to: end, userId: ownUserId });
          for (const [type, at] of last) summary[type]!.last_activity = toIsoOrNull(at);
          const recent = await listRows(db, { from: start, to: end, userId: ownUserId }, { limit: q.limit, offset: 0 });
          return {
            time_range: { start_date: toIso(start), end_date: toIso(end), hours: q.hours },
            total_events: total,
            activity_summary: summary,
            recent_logs: recent
          };
        },
        (r) => r.recent_logs.length
      ),
    timeSeries: (reader: Reader, q: { from: number; to: number }, bucketMs: number): Promise<SeriesBucket[]> =>
      audited(reader, 'timeseries', { ...q, bucket_ms: bucketMs }, () => timeSeries(db, { from: q.from, to: q.to + 1 }, bucketMs), (b) => b.length),
    accessLog: (reader: Reader, q: Page & RangeInput & { actor?: string }) =>
      audited(
        reader,
        'access-log',
        q,
        async () => {
          let query = db.selectFrom('socket_log_access');
          if (q.actor !== undefined) query = query.where('actor', '=', q.actor);
          if (q.start_date !== undefined) query = query.where('at', '>=', q.start_date);
          if (q.end_date !== undefined) query = query.where('at', '<=', q.end_date);
          const [found, total] = await Promise.all([
            query.select(['id', 'at', 'actor', 'actor_role', 'channel', 'query', 'params', 'row_count']).orderBy('id', 'desc').limit(q.limit).offset(q.offset).execute(),
            query.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()
          ]);
          const entries: AccessEntry[] = found.map((a) => ({
            id: Number(a.id),
            at: toIso(Number(a.at)),
            actor: a.actor,
            actor_role: a.actor_role,
            channel: a.channel,
            query: a.query,
            params: JSON.parse(a.params) as unknown,
            row_count: Number(a.row_count)
          }));
          return { rows: entries, total: Number(total.n) };
        },
        (r) => r.rows.length
      )
  };
}

export type LogReads = ReturnType<typeof createLogReads>;
