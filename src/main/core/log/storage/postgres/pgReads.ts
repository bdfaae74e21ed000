import type { AccessEntry, SocketLogRecord } from '../../../../../shared/contract/log';
import { toRecord, type RecordRow } from '../../store/record';
import { toIso } from '../../store/time';
import type { AccessLogQuery, Page, RowFilter } from '../LogStorage';
import type { PgDatabase } from './pgDatabase';

/**
 * The log's reads on PostgreSQL: the same filters and shapes as SQLite's
 * (read/queries.ts), over the row as it is now (`cur_*` columns, pgLogMigration.ts).
 * Times cross as epoch ms; SQL is parameterised, never spliced.
 */

/** A row's columns in the API's shape (record.ts), its current values under their API names. */
export const PG_RECORD_SELECT = `id, event_type, socket_id, user_id, user_role, event_data, request_data, cur_response_data AS response_data,
  patient_latitude, patient_longitude, cur_hospital_id AS hospital_id, cur_hospital_name AS hospital_name, cur_distance_km AS distance_km,
  current_status AS status, cur_error_message AS error_message, cur_processed AS processed,
  (extract(epoch FROM created_at) * 1000)::bigint AS created_at, (extract(epoch FROM processed_at) * 1000)::bigint AS processed_at,
  cur_response_time_ms AS response_time_ms, ip_address, user_agent, session_duration, version`;

/** The WHERE clause of a filter (both time ends inclusive), its values appended to `params`. */
export function pgWhere(f: RowFilter, params: unknown[]): string {
  const parts: string[] = [];
  const p = (value: unknown) => {
    params.push(value);
    return `$${params.length}`;
  };
  if (f.from !== undefined) parts.push(`created_at >= ${p(new Date(f.from).toISOString())}::timestamptz`);
  if (f.to !== undefined) parts.push(`created_at <= ${p(new Date(f.to).toISOString())}::timestamptz`);
  if (f.eventTypes?.length) parts.push(`event_type = ANY(${p([...f.eventTypes])}::text[])`);
  if (f.status !== undefined) parts.push(`current_status = ${p(f.status)}`);
  if (f.userId !== undefined) parts.push(`user_id = ${p(f.userId)}`);
  if (f.userRoles?.length) parts.push(`user_role = ANY(${p([...f.userRoles])}::text[])`);
  if (f.hospitalId !== undefined) parts.push(`cur_hospital_id = ${p(f.hospitalId)}`);
  return parts.length > 0 ? `WHERE ${parts.join(' AND ')}` : '';
}

type PgRecordRow = Omit<RecordRow, 'processed'> & { processed: boolean | null };

export function createPgReads(pg: PgDatabase) {
  const { pool } = pg;
  return {
    /** Newest first by (created_at, id), like SQLite. */
    async listRows(filter: RowFilter, page: Page): Promise<SocketLogRecord[]> {
      const params: unknown[] = [];
      const where = pgWhere(filter, params);
      params.push(page.limit, page.offset);
      const res = await pool.query<PgRecordRow>(`SELECT ${PG_RECORD_SELECT} FROM socket_logs ${where} ORDER BY created_at DESC, id DESC LIMIT $${params.length - 1} OFFSET $${params.length}`, params);
      return res.rows.map((r) => toRecord({ ...r, processed: r.processed ? 1 : 0 } as RecordRow));
    },

    async countRows(filter: RowFilter, cap: number): Promise<{ total: number; capped: boolean }> {
      const params: unknown[] = [];
      const where = pgWhere(filter, params);
      params.push(cap + 1);
      const res = await pool.query<{ n: number }>(`SELECT count(*)::bigint AS n FROM (SELECT 1 FROM socket_logs ${where} LIMIT $${params.length}) AS matches`, params);
      const n = Number(res.rows[0]!.n);
      return { total: Math.min(n, cap), capped: n > cap };
    },

    async lastActivity(eventTypes: readonly string[], filter: RowFilter): Promise<Map<string, number>> {
      const out = new Map<string, number>();
      for (const eventType of eventTypes) {
        const params: unknown[] = [];
        const where = pgWhere({ ...filter, eventTypes: [eventType] }, params);
        const res = await pool.query<{ at: number }>(`SELECT (extract(epoch FROM created_at) * 1000)::bigint AS at FROM socket_logs ${where} ORDER BY created_at DESC LIMIT 1`, params);
        if (res.rows[0]) out.set(eventType, Number(res.rows[0].at));
      }
      return out;
    },

    async accessLog(q: AccessLogQuery): Promise<{ rows: AccessEntry[]; total: number }> {
      const params: unknown[] = [];
      const parts: string[] = [];
      const p = (value: unknown) => {
        params.push(value);
        return `$${params.length}`;
      };
      if (q.actor !== undefined) parts.push(`actor = ${p(q.actor)}`);
      if (q.start_date !== undefined) parts.push(`at >= ${p(new Date(q.start_date).toISOString())}::timestamptz`);
      if (q.end_date !== undefined) parts.push(`at <= ${p(new Date(q.end_date).toISOString())}::timestamptz`);
      const where = parts.length > 0 ? `WHERE ${parts.join(' AND ')}` : '';
      const [found, total] = await Promise.all([
        pool.query<{ id: number; at: Date; actor: string; actor_role: string | null; channel: string; query: string; params: string; row_count: number }>(
          `SELECT id, at, actor, actor_role, channel, query, params, row_count FROM socket_log_access ${where} ORDER BY id DESC LIMIT $${params.length + 1} OFFSET $${params.length + 2}`,
          [...params, q.limit, q.offset]
        ),
        pool.query<{ n: number }>(`SELECT count(*)::bigint AS n FROM socket_log_access ${where}`, params)
      ]);
      const rows: AccessEntry[] = found.rows.map((a) => ({
        id: a.id,
        at: toIso(a.at.getTime()),
        actor: a.actor,
        actor_role: a.actor_role,
        channel: a.channel,
        query: a.query,
        params: JSON.parse(a.params) as unknown,
        row_count: a.row_count
      }));
      return { rows, total: Number(total.rows[0]!.n) };
    }
  };
}
