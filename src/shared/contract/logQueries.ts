import { z } from 'zod';
import { isOperatorRole, LOG_READER_ROLES, RoleSchema, type OperatorRole } from '../roles';

/** The socket log's REST query parameters (the seed's endpoints) and the vocabulary they share. */

/**
 * The socket log (audit trail) as the console, REST and the CLI see it. The
 * query schemas here are shared by REST query strings (hence the coercions) and
 * console calls, so both refuse the same bad input with the same sentence.
 */
export const LOG_STATUSES = ['pending', 'success', 'failed'] as const;
export const LogStatusSchema = z.enum(LOG_STATUSES);

export const EVENT_TYPE_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}$/;
export const EventTypeSchema = z
  .string()
  .regex(EVENT_TYPE_PATTERN, 'an event type is 1-64 letters, digits, "_", ".", ":" or "-", starting with a letter or digit');

/** Operator roles that may read the whole log (the seed's admin endpoints). */
export const LOG_READERS: readonly OperatorRole[] = LOG_READER_ROLES.filter(isOperatorRole);
/** Operator roles that may read who accessed the log. */
export const ACCESS_LOG_READERS: readonly OperatorRole[] = ['admin', 'auditor'];

export const DATE_PATTERN = /^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:?\d{2})?)?$/i;

/** An ISO 8601 date or date-time (no zone = UTC), parsed to epoch milliseconds. */
export const DateParamSchema = z
  .string()
  .max(40)
  .transform((text, ctx) => {
    const trimmed = text.trim();
    const zoned = /(?:Z|[+-]\d{2}:?\d{2})$/i.test(trimmed) || !trimmed.includes('T') ? trimmed : `${trimmed}Z`;
    const ms = DATE_PATTERN.test(trimmed) ? Date.parse(zoned.replace(' ', 'T')) : Number.NaN;
    if (!Number.isFinite(ms)) {
      ctx.addIssue({ code: 'custom', message: `"${text.slice(0, 40)}" is not a date; use ISO 8601 such as 2025-08-02T18:30:00Z` });
      return z.NEVER;
    }
    return ms;
  });

export const limitSchema = (max: number, fallback: number) => z.coerce.number().int().min(1).max(max).default(fallback);
export const Limit = limitSchema(1000, 100);
export const Offset = z.coerce.number().int().min(0).max(100_000_000).default(0);

/** Query strings repeat a key (?a=x&a=y) or join values with commas; both become a list. */
export const listOf = <T extends z.ZodType>(item: T) =>
  z.preprocess(
    (v) => (typeof v === 'string' ? v.split(',').map((s) => s.trim()).filter(Boolean) : v),
    z.array(item).min(1).max(50)
  );

type Ranged = { start_date?: number; end_date?: number };
export const endNotBeforeStart = (value: Ranged, ctx: z.RefinementCtx) => {
  if (value.start_date !== undefined && value.end_date !== undefined && value.end_date < value.start_date) {
    ctx.addIssue({ code: 'custom', path: ['end_date'], message: 'end_date is before start_date' });
  }
};

/** Optional date range and paging: the fields most log queries share. */
export const rangedPage = { start_date: DateParamSchema.optional(), end_date: DateParamSchema.optional(), limit: Limit, offset: Offset };

/** A strict query of `fields` whose end_date may not precede its start_date. */
export const rangedQuery = <S extends z.ZodRawShape>(fields: S) =>
  z
    .object(fields)
    .strict()
    .superRefine((value, ctx) => endNotBeforeStart(value as Ranged, ctx));

export const MyLogsQuerySchema = z.object({ limit: Limit, offset: Offset, event_type: EventTypeSchema.optional() }).strict();

export const AmbulanceRequestsQuerySchema = rangedQuery({ hospital_id: z.string().min(1).max(128).optional(), status: LogStatusSchema.optional(), ...rangedPage });

export const MyHospitalQuerySchema = rangedQuery({ status: LogStatusSchema.optional(), ...rangedPage });

export const ByEventTypeQuerySchema = rangedQuery(rangedPage);
export const EventTypeParamsSchema = z.object({ event_type: EventTypeSchema });

export const ByTimeRangeQuerySchema = rangedQuery({
  start_date: DateParamSchema,
  end_date: DateParamSchema,
  event_types: listOf(EventTypeSchema).optional(),
  user_roles: listOf(RoleSchema).optional(),
  limit: Limit,
  offset: Offset
});

export const StatisticsQuerySchema = rangedQuery({ start_date: DateParamSchema.optional(), end_date: DateParamSchema.optional() });

export const RecentActivityQuerySchema = z
  .object({ hours: z.coerce.number().int().min(1).max(168).default(24), limit: limitSchema(1000, 50) })
  .strict();
