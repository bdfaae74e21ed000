import type { Kysely, SelectQueryBuilder } from 'kysely';
import type { AccessEntry, SocketLogRecord } from '../../../../shared/contract/log';
import type { DatabaseSchema } from '../../db/schema';
import { RECORD_COLUMNS, toRecord } from '../store/record';
import { toIso } from '../store/time';
import { userRowsSource } from '../userIndex/userIndex';

/** Every filter the log's queries combine; times are epoch ms, both ends inclusive. */
export interface RowFilter {
  from?: number;
  to?: number;
  eventTypes?: readonly string[];
  status?: string;
  userId?: string;
  userRoles?: readonly string[];
  hospitalId?: string;
}

export interface Page {
  limit: number;
  offset: number;
}

type RowsQuery = SelectQueryBuilder<DatabaseSchema, 'socket_logs', object>;

/**
 * What a filter reads from: one user's rows through the user index (userIndex.ts),
 * or the table. Both are named socket_logs, so the rest of a query is the same.
 * The user source needs a connection with the index attached.
 */
export function rowsFrom(db: Kysely<DatabaseSchema>, f: Pick<RowFilter, 'userId'>): RowsQuery {
  return (f.userId !== undefined ? db.selectFrom(userRowsSource(f.userId)) : db.selectFrom('socket_logs')) as RowsQuery;
}

/** Applies a filter with the portable builder (no SQLite-only SQL here). */
export function applyFilter<Q extends RowsQuery>(query: Q, f: RowFilter): Q {
  let q: RowsQuery = query;
  if (f.from !== undefined) q = q.where('created_at', '>=', f.from);
  if (f.to !== undefined) q = q.where('created_at', '<=', f.to);
  if (f.eventTypes?.length === 1) q = q.where('event_type', '=', f.eventTypes[0]!);
  else if (f.eventTypes?.length) q = q.where('event_type', 'in', [...f.eventTypes]);
  if (f.status !== undefined) q = q.where('status', '=', f.status);
  if (f.userId !== undefined) q = q.where('user_id', '=', f.userId);
  if (f.userRoles?.length === 1) q = q.where('user_role', '=', f.userRoles[0]!);
  else if (f.userRoles?.length) q = q.where('user_role', 'in', [...f.userRoles]);
  if (f.hospitalId !== undefined) q = q.where('hospital_id', '=', f.hospitalId);
  return q as Q;
}

/** Newest first; every index ends in created_at (and SQLite's rowid), so no sort step. */
export async function listRows(db: Kysely<DatabaseSchema>, filter: RowFilter, page: Page): Promise<SocketLogRecord[]> {
  const rows = await applyFilter(rowsFrom(db, filter).select(RECORD_COLUMNS), filter)
    .orderBy('created_at', 'desc')
    .orderBy('id', 'desc')
    .limit(page.limit)
    .offset(page.offset)
    .execute();
  return rows.map(toRecord);
}

/** Counts matches up to `cap` (an explorer needs "100,000+" not an exact 9,874,122). */
export async function countRows(db: Kysely<DatabaseSchema>, filter: RowFilter, cap: number): Promise<{ total: number; capped: boolean }> {
  const inner = applyFilter(rowsFrom(db, filter).select('id'), filter).limit(cap + 1);
  const row = await db
    .selectFrom(inner.as('matches'))
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .executeTakeFirstOrThrow();
  const n = Number(row.n);
  return { total: Math.min(n, cap), capped: n > cap };
}

/** Latest row time per event type, each an index seek on (event_type, created_at). */
export async function lastActivity(db: Kysely<DatabaseSchema>, eventTypes: readonly string[], filter: RowFilter): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  for (const eventType of eventTypes) {
    const row = await applyFilter(rowsFrom(db, filter).select('created_at'), { ...filter, eventTypes: [eventType] })
      .orderBy('created_at', 'desc')
      .limit(1)
      .executeTakeFirst();
    if (row) out.set(eventType, Number(row.created_at));
  }
  return out;
}

/** The access log (who read the log), newest first, with the total the filter selects. */
export async function listAccess(db: Kysely<DatabaseSchema>, q: Page & { actor?: string; start_date?: number; end_date?: number }): Promise<{ rows: AccessEntry[]; total: number }> {
  let query = db.selectFrom('socket_log_access');
  if (q.actor !== undefined) query = query.where('actor', '=', q.actor);
  if (q.start_date !== undefined) query = query.where('at', '>=', q.start_date);
  if (q.end_date !== undefined) query = query.where('at', '<=', q.end_date);
  const [found, total] = await Promise.all([
    query.select(['id', 'at', 'actor', 'actor_role', 'channel', 'query', 'params', 'row_count']).orderBy('id', 'desc').limit(q.limit).offset(q.offset).execute(),
    query.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()
  ]);
  const rows: AccessEntry[] = found.map((a) => ({
    id: Number(a.id),
    at: toIso(Number(a.at)),
    actor: a.actor,
    actor_role: a.actor_role,
    channel: a.channel,
    query: a.query,
    params: JSON.parse(a.params) as unknown,
    row_count: Number(a.row_count)
  }));
  return { rows, total: Number(total.n) };
}
