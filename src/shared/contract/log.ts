import { z } from 'zod';
import { event, method } from './define';
import { RoleSchema } from '../roles';
import { ACCESS_LOG_READERS, AmbulanceRequestsQuerySchema, ByTimeRangeQuerySchema, DateParamSchema, EventTypeSchema, LOG_READERS, LogStatusSchema, MyLogsQuerySchema, Offset, RecentActivityQuerySchema, limitSchema, rangedPage, rangedQuery } from './logQueries';

export * from './logQueries';

export const SocketLogRecordSchema = z.object({
  id: z.number().int(),
  event_type: z.string(),
  socket_id: z.string(),
  user_id: z.string().nullable(),
  user_role: z.string().nullable(),
  event_data: z.unknown(),
  request_data: z.unknown(),
  response_data: z.unknown(),
  patient_latitude: z.number().nullable(),
  patient_longitude: z.number().nullable(),
  hospital_id: z.string().nullable(),
  hospital_name: z.string().nullable(),
  distance_km: z.number().nullable(),
  status: LogStatusSchema,
  error_message: z.string().nullable(),
  processed: z.boolean(),
  created_at: z.string(),
  processed_at: z.string().nullable(),
  response_time_ms: z.number().nullable(),
  ip_address: z.string().nullable(),
  user_agent: z.string().nullable(),
  session_duration: z.number().nullable(),
  /** How many times updateSocketLog changed the row. */
  version: z.number().int()
});
export type SocketLogRecord = z.infer<typeof SocketLogRecordSchema>;

const TimeRangeSchema = z.object({ start_date: z.string(), end_date: z.string() });

export const StatisticsSchema = z.object({
  total_events: z.number().int(),
  events_by_type: z.record(z.string(), z.number().int()),
  events_by_status: z.record(z.string(), z.number().int()),
  events_by_role: z.record(z.string(), z.number().int()),
  ambulance_requests: z.number().int(),
  ambulance_responses: z.number().int(),
  /** Percentage of ambulance requests that got a hospital response. */
  response_rate: z.number(),
  time_range: TimeRangeSchema,
  avg_response_time_ms: z.number().nullable(),
  /** Percentage of events that failed. */
  error_rate: z.number(),
  /** Connections refused or failed (event_type connect/connect_error with status failed). */
  failed_connections: z.number().int()
});
export type SocketLogStatistics = z.infer<typeof StatisticsSchema>;

export const RecentActivitySchema = z.object({
  time_range: z.object({ start_date: z.string(), end_date: z.string(), hours: z.number().int() }),
  total_events: z.number().int(),
  activity_summary: z.record(
    z.string(),
    z.object({ count: z.number().int(), success_count: z.number().int(), failed_count: z.number().int(), last_activity: z.string().nullable() })
  ),
  recent_logs: z.array(SocketLogRecordSchema)
});

export const AccessEntrySchema = z.object({
  id: z.number().int(),
  at: z.string(),
  actor: z.string(),
  actor_role: z.string().nullable(),
  channel: z.string(),
  query: z.string(),
  params: z.unknown(),
  row_count: z.number().int()
});
export type AccessEntry = z.infer<typeof AccessEntrySchema>;

export const AccessLogQuerySchema = rangedQuery({ actor: z.string().min(1).max(128).optional(), ...rangedPage });

export const VerifyReportSchema = z.object({
  ok: z.boolean(),
  checked: z.object({ rows: z.number().int(), updates: z.number().int(), access: z.number().int() }),
  heads: z.record(z.string(), z.object({ head_id: z.number().int(), anchor_id: z.number().int(), record_count: z.number().int() })),
  /** The first record that does not verify, named so a person can look at it. */
  first_bad: z.object({ table: z.string(), id: z.number().int(), reason: z.string() }).nullable(),
  problems: z.array(z.string()),
  duration_ms: z.number()
});
export type VerifyReport = z.infer<typeof VerifyReportSchema>;

export const EXPORT_FORMATS = ['csv', 'ndjson'] as const;

/** Filters the console's explorer and exports share (console input, not REST). */
export const LogFilterSchema = z
  .object({
    from: DateParamSchema.optional(),
    to: DateParamSchema.optional(),
    event_type: EventTypeSchema.optional(),
    event_types: z.array(EventTypeSchema).min(1).max(50).optional(),
    status: LogStatusSchema.optional(),
    user_id: z.string().min(1).max(128).optional(),
    user_role: RoleSchema.optional(),
    hospital_id: z.string().min(1).max(128).optional()
  })
  .strict();
export type LogFilter = z.output<typeof LogFilterSchema>;

const fromNotAfterTo = (value: { from?: number; to?: number }, ctx: z.RefinementCtx) => {
  if (value.from !== undefined && value.to !== undefined && value.to < value.from) {
    ctx.addIssue({ code: 'custom', path: ['to'], message: '"to" is before "from"' });
  }
};

export const LogQueryInputSchema = LogFilterSchema.extend({ limit: limitSchema(1000, 200), offset: Offset }).superRefine(fromNotAfterTo);
export const ExportInputSchema = LogFilterSchema.extend({ format: z.enum(EXPORT_FORMATS) }).superRefine(fromNotAfterTo);

export const ExportJobSchema = z.object({
  id: z.string(),
  format: z.enum(EXPORT_FORMATS),
  state: z.enum(['running', 'done', 'failed']),
  rows: z.number().int(),
  total: z.number().int().nullable(),
  bytes: z.number().int(),
  filename: z.string(),
  /** Authenticated download (Bearer token) of the finished file. */
  url: z.string(),
  manifest_url: z.string(),
  error: z.string().nullable(),
  started_at: z.string(),
  finished_at: z.string().nullable()
});
export type ExportJob = z.infer<typeof ExportJobSchema>;

export const TimeSeriesBucketSchema = z.object({
  start: z.string(),
  total: z.number().int(),
  by_type: z.record(z.string(), z.number().int()),
  failed: z.number().int(),
  ambulance_requests: z.number().int(),
  ambulance_responses: z.number().int(),
  response_rate: z.number().nullable(),
  avg_response_time_ms: z.number().nullable(),
  error_rate: z.number().nullable()
});

export const ThresholdsSchema = z.object({
  minResponseRatePercent: z.number().min(0).max(100),
  maxAvgResponseTimeMs: z.number().int().positive(),
  maxErrorRatePercent: z.number().min(0).max(100),
  failedConnectionBurst: z.number().int().positive(),
  burstWindowSeconds: z.number().int().positive().max(3600),
  windowMinutes: z.number().int().positive().max(1440),
  minSample: z.number().int().nonnegative()
});

const rangeInput = z
  .object({
    from: DateParamSchema.optional(),
    to: DateParamSchema.optional(),
    start_date: DateParamSchema.optional(),
    end_date: DateParamSchema.optional()
  })
  .strict();

const Records = z.array(SocketLogRecordSchema);

export const logMethods = {
  'log.myLogs': method({
    summary: 'The signed-in operator\'s own socket log rows, newest first.',
    roles: 'any',
    input: MyLogsQuerySchema,
    output: Records
  }),
  'log.ambulanceRequests': method({
    summary: 'Ambulance request rows, filtered by hospital, status and time.',
    roles: LOG_READERS,
    input: AmbulanceRequestsQuerySchema,
    output: Records
  }),
  'log.hospitalResponses': method({
    summary: 'Hospital response rows, filtered by hospital, status and time.',
    roles: LOG_READERS,
    input: AmbulanceRequestsQuerySchema,
    output: Records
  }),
  'log.byEventType': method({
    summary: 'Rows of one event type, newest first.',
    roles: LOG_READERS,
    input: rangedQuery({ event_type: EventTypeSchema, ...rangedPage }),
    output: Records
  }),
  'log.byTimeRange': method({
    summary: 'Rows in a time range, optionally of some event types and user roles.',
    roles: LOG_READERS,
    input: ByTimeRangeQuerySchema,
    output: Records
  }),
  'log.query': method({
    summary: 'The audit explorer: any combination of filters, a page of rows and the matching total (capped at 100,000).',
    roles: LOG_READERS,
    input: LogQueryInputSchema,
    output: z.object({ rows: Records, total: z.number().int(), total_capped: z.boolean() })
  }),
  'log.statistics': method({
    summary: 'The seed\'s statistics for a range (default: the last 30 days), from pre-aggregated counters.',
    roles: LOG_READERS,
    input: rangeInput,
    output: StatisticsSchema
  }),
  'log.recentActivity': method({
    summary: 'Activity summary per event type over the last hours, and the latest rows.',
    roles: LOG_READERS,
    input: RecentActivityQuerySchema,
    output: RecentActivitySchema
  }),
  'log.timeseries': method({
    summary: 'Per-bucket counts by type, response rate, average response time and error rate, for charts.',
    roles: LOG_READERS,
    input: z
      .object({ from: DateParamSchema, to: DateParamSchema, bucket: z.enum(['minute', 'hour', 'day']).optional() })
      .strict()
      .superRefine(fromNotAfterTo),
    output: z.object({
      bucket_ms: z.number().int(),
      from: z.string(),
      to: z.string(),
      buckets: z.array(TimeSeriesBucketSchema),
      thresholds: ThresholdsSchema
    })
  }),
  'log.accessLog': method({
    summary: 'Who read or exported the log, with which query and how many rows.',
    roles: ACCESS_LOG_READERS,
    input: AccessLogQuerySchema,
    output: z.object({ rows: z.array(AccessEntrySchema), total: z.number().int() })
  }),
  'log.verify': method({
    summary: 'Checks the tamper-evidence chains of the whole log; names the first bad row.',
    roles: LOG_READERS,
    input: z.object({}).strict(),
    output: VerifyReportSchema
  }),
  'log.export': method({
    summary: 'Exports a filtered range to CSV or NDJSON with a signed manifest; answers when done (progress pushed as log.exportProgress).',
    roles: LOG_READERS,
    input: ExportInputSchema,
    output: ExportJobSchema
  }),
  'log.exportStatus': method({
    summary: 'State of an export started by log.export.',
    roles: LOG_READERS,
    input: z.object({ id: z.string().min(1).max(64) }).strict(),
    output: ExportJobSchema
  }),
  'log.thresholds': method({
    summary: 'The alert thresholds the log is judged against.',
    roles: LOG_READERS,
    input: z.object({}).strict(),
    output: ThresholdsSchema
  }),
  'log.setThresholds': method({
    summary: 'Changes alert thresholds (admin); takes effect at the next evaluation.',
    roles: ['admin'],
    input: ThresholdsSchema.partial().strict(),
    output: ThresholdsSchema
  }),
  'log.retention': method({
    summary: 'Runs retention now (admin): archives rows older than `days` (default: configured) to compressed NDJSON, then deletes them.',
    roles: ['admin'],
    input: z.object({ days: z.number().int().min(1).max(36500).optional() }).strict(),
    output: z.object({ deleted: z.number().int(), archive: z.string().nullable(), anchor_id: z.number().int() })
  })
};

export const LogStatsSchema = z.object({
  at: z.string(),
  /** Rows committed per second since the previous push. */
  write_rate: z.number(),
  total_rows: z.number().int(),
  db_size_bytes: z.number().int(),
  wal_size_bytes: z.number().int(),
  queue_depth: z.number().int(),
  last_commit_ms: z.number()
});

export const logEvents = {
  'log.stats': event({
    summary: 'Every few seconds: write rate, rows and database size, for the status strip and health view.',
    roles: 'any',
    payload: LogStatsSchema
  }),
  'log.exportProgress': event({
    summary: 'Progress of a running export.',
    roles: LOG_READERS,
    payload: z.object({
      id: z.string(),
      done: z.number().int(),
      total: z.number().int().nullable(),
      state: z.enum(['running', 'done', 'failed']),
      rows_per_second: z.number()
    })
  })
};
