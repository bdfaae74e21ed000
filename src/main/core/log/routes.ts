import fs from 'node:fs';
import { z } from 'zod';
import {
  AccessEntrySchema,
  AccessLogQuerySchema,
  AmbulanceRequestsQuerySchema,
  ByEventTypeQuerySchema,
  ByTimeRangeQuerySchema,
  EventTypeParamsSchema,
  ExportInputSchema,
  ExportJobSchema,
  MyHospitalQuerySchema,
  MyLogsQuerySchema,
  RecentActivityQuerySchema,
  RecentActivitySchema,
  SocketLogRecordSchema,
  StatisticsQuerySchema,
  StatisticsSchema,
  VerifyReportSchema
} from '../../../shared/contract/log';
import { LOG_READER_ROLES, ROLES, type Identity } from '../../../shared/roles';
import type { Router } from '../http/route';
import { AppError } from '../errors';
import type { ExportJobs } from './export/exportJobs';
import type { LogReads, Reader } from './read/reads';
import { filterFromInput } from './read/filters';
import type { VerifyReport } from '../../../shared/contract/log';

const PREFIX = '/api/v1/socket-logs';
const TAGS = ['socket log'];
const ACCESS_ROLES = ['admin', 'auditor'] as const;
const Records = z.array(SocketLogRecordSchema);

const readerOf = (identity: Identity | null): Reader => ({ actor: identity?.sub ?? 'anonymous', role: identity?.role ?? null, channel: 'rest' });
const isLogReader = (identity: Identity | null) => !!identity && LOG_READER_ROLES.includes(identity.role);

/** The seed's REST endpoints (exact paths), plus access log, verification and export downloads. */
export function registerLogRoutes(router: Router, deps: { reads: LogReads; exports: ExportJobs; verify(reader: Reader): Promise<VerifyReport> }): void {
  const { reads, exports } = deps;
  router.route({
    method: 'GET',
    url: `${PREFIX}/my-logs`,
    summary: 'Your own socket log rows, newest first.',
    tags: TAGS,
    auth: ROLES,
    query: MyLogsQuerySchema,
    response: Records,
    handler: ({ query, identity }) => reads.myLogs(readerOf(identity), identity!.sub, query)
  });
  router.route({
    method: 'GET',
    url: `${PREFIX}/ambulance-requests`,
    summary: 'Ambulance request rows (admin, supervisor, auditor).',
    tags: TAGS,
    auth: LOG_READER_ROLES,
    query: AmbulanceRequestsQuerySchema,
    response: Records,
    handler: ({ query, identity }) => reads.ambulanceRequests(readerOf(identity), query)
  });
  router.route({
    method: 'GET',
    url: `${PREFIX}/ambulance-requests/my-hospital`,
    summary: 'Ambulance requests routed to your hospital (hospital users).',
    tags: TAGS,
    auth: ['hospital'],
    query: MyHospitalQuerySchema,
    response: Records,
    errors: [403],
    handler: ({ query, identity }) => {
      if (!identity?.hospital_id) throw new AppError('FORBIDDEN', 'Your token names no hospital (hospital_id claim), so there are no requests to show.');
      return reads.ambulanceRequests(readerOf(identity), { ...query, hospital_id: identity.hospital_id }, 'ambulance-requests/my-hospital');
    }
  });
  router.route({
    method: 'GET',
    url: `${PREFIX}/hospital-responses`,
    summary: 'Hospital response rows (admin, supervisor, auditor).',
    tags: TAGS,
    auth: LOG_READER_ROLES,
    query: AmbulanceRequestsQuerySchema,
    response: Records,
    handler: ({ query, identity }) => reads.hospitalResponses(readerOf(identity), query)
  });
  router.route({
    method: 'GET',
    url: `${PREFIX}/by-event-type/:event_type`,
    summary: 'Rows of one event type (admin, supervisor, auditor).',
    tags: TAGS,
    auth: LOG_READER_ROLES,
    params: EventTypeParamsSchema,
    query: ByEventTypeQuerySchema,
    response: Records,
    handler: ({ params, query, identity }) => reads.byEventType(readerOf(identity), params.event_type, query)
  });
  router.route({
    method: 'GET',
    url: `${PREFIX}/by-time-range`,
    summary: 'Rows in a time range, optionally of some event types and roles (admin, supervisor, auditor).',
    tags: TAGS,
    auth: LOG_READER_ROLES,
    query: ByTimeRangeQuerySchema,
    response: Records,
    handler: ({ query, identity }) => reads.byTimeRange(readerOf(identity), query)
  });
  router.route({
    method: 'GET',
    url: `${PREFIX}/statistics`,
    summary: 'Statistics for a range, default the last 30 days (admin, supervisor, auditor).',
    tags: TAGS,
    auth: LOG_READER_ROLES,
    query: StatisticsQuerySchema,
    response: StatisticsSchema,
    handler: ({ query, identity }) => reads.statistics(readerOf(identity), query)
  });
  router.route({
    method: 'GET',
    url: `${PREFIX}/recent-activity`,
    summary: 'Recent activity per event type; readers see everyone, other roles their own rows.',
    tags: TAGS,
    auth: ROLES,
    query: RecentActivityQuerySchema,
    response: RecentActivitySchema,
    handler: ({ query, identity }) => reads.recentActivity(readerOf(identity), query, isLogReader(identity) ? undefined : identity!.sub)
  });
  router.route({
    method: 'GET',
    url: `${PREFIX}/access-log`,
    summary: 'Who read or exported the log (admin, auditor).',
    tags: TAGS,
    auth: ACCESS_ROLES,
    query: AccessLogQuerySchema,
    response: z.object({ rows: z.array(AccessEntrySchema), total: z.number().int() }),
    handler: ({ query, identity }) => reads.accessLog(readerOf(identity), query)
  });
  router.route({
    method: 'GET',
    url: `${PREFIX}/verify`,
    summary: 'Verifies the tamper-evidence chains; names the first bad row (admin, supervisor, auditor).',
    tags: TAGS,
    auth: LOG_READER_ROLES,
    response: VerifyReportSchema,
    handler: ({ identity }) => deps.verify(readerOf(identity))
  });
  router.route({
    method: 'POST',
    url: `${PREFIX}/exports`,
    summary: 'Starts an export of a filtered range (CSV or NDJSON, signed manifest); poll or download by id.',
    tags: TAGS,
    auth: LOG_READER_ROLES,
    body: ExportInputSchema,
    response: ExportJobSchema,
    errors: [429],
    handler: ({ body, identity }) => {
      const { format, ...filter } = body;
      return exports.start(readerOf(identity), format, filterFromInput(filter), filter).job;
    }
  });
  router.route({
    method: 'GET',
    url: `${PREFIX}/exports/:id/status`,
    summary: 'State and progress of an export.',
    tags: TAGS,
    auth: LOG_READER_ROLES,
    params: z.object({ id: z.string().uuid() }),
    response: ExportJobSchema,
    errors: [404],
    handler: ({ params }) => exports.get(params.id)
  });
  const download = (which: 'data' | 'manifest') =>
    router.route({
      method: 'GET',
      url: which === 'data' ? `${PREFIX}/exports/:id` : `${PREFIX}/exports/:id/manifest`,
      summary: which === 'data' ? 'Downloads a finished export (Bearer token).' : 'Downloads the signed manifest of a finished export.',
      tags: TAGS,
      auth: LOG_READER_ROLES,
      params: z.object({ id: z.string().uuid() }),
      response: z.string(),
      errors: [404, 409],
      handler: async ({ params, identity, reply }) => {
        const found = exports.file(params.id, which);
        await reads.record(readerOf(identity), which === 'data' ? 'export-download' : 'export-manifest-download', { export_id: params.id }, async () => found.job.rows, (n) => (which === 'data' ? n : 0));
        const type = which === 'manifest' ? 'application/json' : found.job.format === 'csv' ? 'text/csv; charset=utf-8' : 'application/x-ndjson';
        reply.header('content-type', type);
        reply.header('content-disposition', `attachment; filename="${found.filename}"`);
        return fs.createReadStream(found.path) as never;
      }
    });
  download('data');
  download('manifest');
}
