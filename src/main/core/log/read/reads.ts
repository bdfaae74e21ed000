import { steadyNow } from '../../clock';
import type { SocketLogRecord, SocketLogStatistics } from '../../../../shared/contract/log';
import type { LogStorage } from '../storage/LogStorage';
import { AMBULANCE_REQUEST, HOSPITAL_RESPONSE, isTraffic, summarize, type SeriesBucket } from './statistics';
import type { Page, RowFilter } from './queries';
import { DAY_MS, HOUR_MS, toIso, toIsoOrNull } from '../store/time';
import type { AccessChannel, LogWriter } from '../write/writer';

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
export function createLogReads(storage: Pick<LogStorage, 'listRows' | 'countRows' | 'lastActivity' | 'accessLog' | 'aggregate' | 'timeSeries'>, writer: Pick<LogWriter, 'recordAccess'>) {
  const audited = async <T>(reader: Reader, query: string, params: object, run: () => Promise<T>, count: (r: T) => number): Promise<T> => {
    const result = await run();
    await writer.recordAccess({ actor: reader.actor, actorRole: reader.role, channel: reader.channel, query, params: describe(params), rowCount: count(result) });
    return result;
  };
  const rows = (reader: Reader, query: string, params: object, filter: RowFilter, page: Page) =>
    audited(reader, query, params, () => storage.listRows(filter, page), (r: SocketLogRecord[]) => r.length);

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
          const [found, counted] = await Promise.all([storage.listRows(filter, page), storage.countRows(filter, 100_000)]);
          return { rows: found, total: counted.total, total_capped: counted.capped };
        },
        (r) => r.rows.length
      ),
    statistics: (reader: Reader, q: RangeInput): Promise<SocketLogStatistics> =>
      audited(reader, 'statistics', q, async () => summarize(await storage.aggregate(resolveRange(q)), resolveRange(q)), (s) => s.total_events),
    /** Readers see everyone's activity; anyone else only their own (`ownUserId`). */
    recentActivity: (reader: Reader, q: { hours: number; limit: number }, ownUserId?: string) =>
      audited(
        reader,
        'recent-activity',
        { ...q, own_rows_only: ownUserId !== undefined },
        async () => {
          const end = steadyNow();
          const start = end - q.hours * HOUR_MS;
          const combos = await storage.aggregate({ from: start, to: end + 1 }, ownUserId);
          const summary: Record<string, { count: number; success_count: number; failed_count: number; last_activity: string | null }> = {};
          let total = 0;
          for (const c of combos) {
            if (c.count <= 0 || !isTraffic(c.event_type)) continue;
            const s = (summary[c.event_type] ??= { count: 0, success_count: 0, failed_count: 0, last_activity: null });
            s.count += c.count;
            if (c.status === 'success') s.success_count += c.count;
            if (c.status === 'failed') s.failed_count += c.count;
            total += c.count;
          }
          const last = await storage.lastActivity(Object.keys(summary), { from: start, to: end, userId: ownUserId });
          for (const [type, at] of last) summary[type]!.last_activity = toIsoOrNull(at);
          const recent = await storage.listRows({ from: start, to: end, userId: ownUserId }, { limit: q.limit, offset: 0 });
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
      audited(reader, 'timeseries', { ...q, bucket_ms: bucketMs }, () => storage.timeSeries({ from: q.from, to: q.to + 1 }, bucketMs), (b) => b.length),
    accessLog: (reader: Reader, q: Page & RangeInput & { actor?: string }) =>
      audited(reader, 'access-log', q, () => storage.accessLog(q), (r) => r.rows.length)
  };
}

export type LogReads = ReturnType<typeof createLogReads>;
