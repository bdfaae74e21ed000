import type { ContractRegistry, CallContext } from '../contract/registry';
import { AppError } from '../errors';
import { LogThresholdsSchema, type LogThresholds } from './config';
import type { ExportJobs } from './export/exportJobs';
import { filterFromInput } from './read/filters';
import type { LogReads, Reader } from './read/reads';
import { BUCKETS } from './read/statistics';
import { HOUR_MS, DAY_MS } from './store/time';
import type { VerifyReport } from '../../../shared/contract/log';

const readerOf = (call: CallContext): Reader => {
  if (!call.operator) throw new AppError('UNAUTHENTICATED', 'Sign in first.');
  return { actor: call.operator.username, role: call.operator.role, channel: 'console' };
};

/** A sensible chart bucket when the console does not pick one. */
const autoBucket = (span: number) => (span <= 2 * HOUR_MS ? BUCKETS.minute : span <= 3 * DAY_MS ? BUCKETS.hour : BUCKETS.day);

export function registerLogHandlers(
  api: ContractRegistry,
  deps: {
    reads: LogReads;
    exports: ExportJobs;
    verify(reader: Reader): Promise<VerifyReport>;
    thresholds(): LogThresholds;
    setThresholds(next: LogThresholds): void;
    retention(days?: number): Promise<{ deleted: number; archive: string | null; anchorId: number }>;
  }
): void {
  const { reads } = deps;
  api.handle('log.myLogs', (input, call) => reads.myLogs(readerOf(call), readerOf(call).actor, input));
  api.handle('log.ambulanceRequests', (input, call) => reads.ambulanceRequests(readerOf(call), input));
  api.handle('log.hospitalResponses', (input, call) => reads.hospitalResponses(readerOf(call), input));
  api.handle('log.byEventType', ({ event_type, ...rest }, call) => reads.byEventType(readerOf(call), event_type, rest));
  api.handle('log.byTimeRange', (input, call) => reads.byTimeRange(readerOf(call), input));
  api.handle('log.query', ({ limit, offset, ...filter }, call) =>
    reads.explore(readerOf(call), filterFromInput(filter), { limit, offset }, { ...filter, limit, offset })
  );
  api.handle('log.statistics', ({ from, to, start_date, end_date }, call) => {
    const range = { start_date: start_date ?? from, end_date: end_date ?? to };
    if (range.start_date !== undefined && range.end_date !== undefined && range.end_date < range.start_date) {
      throw new AppError('VALIDATION_FAILED', 'log.statistics: the end of the range is before its start.');
    }
    return reads.statistics(readerOf(call), range);
  });
  api.handle('log.recentActivity', (input, call) => reads.recentActivity(readerOf(call), input));
  api.handle('log.timeseries', async ({ from, to, bucket }, call) => {
    const bucketMs = bucket ? BUCKETS[bucket] : autoBucket(to - from);
    const buckets = await reads.timeSeries(readerOf(call), { from, to }, bucketMs);
    return { bucket_ms: bucketMs, from: new Date(from).toISOString(), to: new Date(to).toISOString(), buckets, thresholds: deps.thresholds() };
  });
  api.handle('log.accessLog', (input, call) => reads.accessLog(readerOf(call), input));
  api.handle('log.verify', (_input, call) => deps.verify(readerOf(call)));
  api.handle('log.export', ({ format, ...filter }, call) => deps.exports.start(readerOf(call), format, filterFromInput(filter), filter).done);
  api.handle('log.exportStatus', ({ id }) => deps.exports.get(id));
  api.handle('log.thresholds', () => deps.thresholds());
  api.handle('log.setThresholds', (patch) => {
    const next = LogThresholdsSchema.parse({ ...deps.thresholds(), ...patch });
    deps.setThresholds(next);
    return next;
  });
  api.handle('log.retention', async ({ days }) => {
    const result = await deps.retention(days);
    return { deleted: result.deleted, archive: result.archive, anchor_id: result.anchorId };
  });
}
