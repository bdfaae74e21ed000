import type Sqlite from 'better-sqlite3';
import type { Compilable, Kysely } from 'kysely';
import type { DatabaseSchema } from '../../db/schema';
import type { CounterCounts, SocketLogChainsTable } from './tables';
import { CHAINS, genesisMac, sealHead, STATE_COLUMNS, type ChainHead, type ChainName } from './chain';
import { RECORD_COLUMNS } from './record';

/**
 * The hot-path statements, built with kysely (so the SQL stays portable and
 * typed) and prepared once on the raw better-sqlite3 handle: kysely's own SQLite
 * driver prepares on every execute, about 2x slower per row.
 *
 * Parameters are bound by name: each query is compiled once with sentinel
 * values, and the sentinels' positions give the order to bind in.
 */
export interface NamedStatement {
  run(values: Record<string, unknown>): Sqlite.RunResult;
  get<T>(values: Record<string, unknown>): T | undefined;
  all<T>(values: Record<string, unknown>): T[];
}

const SENTINEL = '\u0000param:';

export function prepareNamed(sqlite: Sqlite.Database, build: (p: (name: string) => string) => Compilable): NamedStatement {
  const compiled = build((name) => `${SENTINEL}${name}`).compile();
  // A parameter is either a named sentinel (bound per call) or a literal the query was built with.
  const order: Array<{ name: string | null; literal: unknown }> = compiled.parameters.map((value) =>
    typeof value === 'string' && value.startsWith(SENTINEL) ? { name: value.slice(SENTINEL.length), literal: null } : { name: null, literal: value }
  );
  const stmt = sqlite.prepare(compiled.sql);
  const bind = (values: Record<string, unknown>) => order.map((o) => (o.name !== null ? values[o.name] : o.literal));
  return {
    run: (values) => stmt.run(bind(values)),
    get: <T>(values: Record<string, unknown>) => stmt.get(bind(values)) as T | undefined,
    all: <T>(values: Record<string, unknown>) => stmt.all(bind(values)) as T[]
  };
}

/** Placeholder values for every named column (the statement binds real values by name). */
const placeholders = <K extends string>(p: (name: string) => string, names: readonly K[]) =>
  Object.fromEntries(names.map((n) => [n, p(n)])) as Record<K, never>;

/** Everything the API returns, plus the row's MAC. */
export const ROW_INSERT_COLUMNS = [...RECORD_COLUMNS, 'mac'] as const;

/** A chain's head as stored. */
export type HeadRow = SocketLogChainsTable;

/** Counter granularities: minute, hour and day buckets (a 30-day statistic reads about 30 day rows per combination). */
export const COUNTER_LEVELS = [
  ['m', 60_000],
  ['h', 3_600_000],
  ['d', 86_400_000]
] as const;

export interface CounterDelta extends CounterCounts {
  granularity: 'm' | 'h' | 'd';
  bucket: number;
}

export function createLogStatements(db: Kysely<DatabaseSchema>, sqlite: Sqlite.Database) {
  const named = (build: (p: (name: string) => string) => Compilable) => prepareNamed(sqlite, build);
  return {
    insertRow: named((p) => db.insertInto('socket_logs').values(placeholders(p, ROW_INSERT_COLUMNS))),
    maxRowId: named(() => db.selectFrom('socket_logs').select((eb) => eb.fn.max('id').as('max_id'))),
    rowState: named((p) =>
      db
        .selectFrom('socket_logs')
        .select(['id', 'created_at', 'event_type', 'user_role', ...STATE_COLUMNS])
        .where('id', '=', p('id') as never)
    ),
    updateRowState: named((p) =>
      db
        .updateTable('socket_logs')
        .set(placeholders(p, STATE_COLUMNS))
        .where('id', '=', p('id') as never)
    ),
    insertUpdate: named((p) =>
      db
        .insertInto('socket_log_updates')
        .values(placeholders(p, ['id', 'log_id', 'version', 'at', 'changes', 'before_digest', 'after_digest', 'mac'] as const))
    ),
    maxUpdateId: named(() => db.selectFrom('socket_log_updates').select((eb) => eb.fn.max('id').as('max_id'))),
    insertAccess: named((p) =>
      db
        .insertInto('socket_log_access')
        .values(placeholders(p, ['id', 'at', 'actor', 'actor_role', 'channel', 'query', 'params', 'row_count', 'mac'] as const))
    ),
    maxAccessId: named(() => db.selectFrom('socket_log_access').select((eb) => eb.fn.max('id').as('max_id'))),
    readHead: named((p) => db.selectFrom('socket_log_chains').selectAll().where('chain', '=', p('chain') as never)),
    writeHead: named((p) =>
      db
        .updateTable('socket_log_chains')
        .set(placeholders(p, ['head_id', 'head_mac', 'anchor_id', 'anchor_mac', 'record_count', 'seal'] as const))
        .where('chain', '=', p('chain') as never)
    ),
    insertHead: named((p) =>
      db
        .insertInto('socket_log_chains')
        .values(placeholders(p, ['chain', 'head_id', 'head_mac', 'anchor_id', 'anchor_mac', 'record_count', 'seal'] as const))
        .onConflict((oc) => oc.column('chain').doNothing())
    ),
    addCounter: named((p) =>
      db
        .insertInto('socket_log_counters')
        .values(placeholders(p, ['granularity', 'bucket', 'event_type', 'status', 'user_role', 'count', 'rt_sum', 'rt_count'] as const))
        .onConflict((oc) =>
          oc.columns(['granularity', 'bucket', 'event_type', 'status', 'user_role']).doUpdateSet((eb) => ({
            count: eb('socket_log_counters.count', '+', eb.ref('excluded.count')),
            rt_sum: eb('socket_log_counters.rt_sum', '+', eb.ref('excluded.rt_sum')),
            rt_count: eb('socket_log_counters.rt_count', '+', eb.ref('excluded.rt_count'))
          }))
        )
    ),
    dropCounterIfEmpty: named((p) =>
      db
        .deleteFrom('socket_log_counters')
        .where('granularity', '=', p('granularity') as never)
        .where('bucket', '=', p('bucket') as never)
        .where('event_type', '=', p('event_type') as never)
        .where('status', '=', p('status') as never)
        .where('user_role', '=', p('user_role') as never)
        .where('count', '<=', p('zero') as never)
    )
  };
}

export type LogStatements = ReturnType<typeof createLogStatements>;

export function toHead(row: HeadRow): ChainHead {
  return {
    chain: row.chain as ChainName,
    head_id: Number(row.head_id),
    head_mac: row.head_mac,
    anchor_id: Number(row.anchor_id),
    anchor_mac: row.anchor_mac,
    record_count: Number(row.record_count)
  };
}

export function readHead(st: LogStatements, chain: ChainName): ChainHead {
  const row = st.readHead.get<HeadRow>({ chain });
  if (!row) throw new Error(`socket log chain "${chain}" has no head; was the log initialised?`);
  return toHead(row);
}

/** Reads one chain head on any connection (read snapshots included). */
export function readHeadOn(db: Kysely<DatabaseSchema>, sqlite: Sqlite.Database, chain: ChainName): ChainHead {
  const row = prepareNamed(sqlite, (p) => db.selectFrom('socket_log_chains').selectAll().where('chain', '=', p('chain') as never)).get<HeadRow>({ chain });
  if (!row) throw new Error(`socket log chain "${chain}" has no head; was the log initialised?`);
  return toHead(row);
}

export function writeHead(st: LogStatements, key: Buffer, head: ChainHead): void {
  st.writeHead.run({ ...head, seal: sealHead(key, head) });
}

/** Creates the genesis head of each chain on first start (idempotent). */
export function ensureHeads(st: LogStatements, sqlite: Sqlite.Database, key: Buffer): void {
  sqlite.transaction(() => {
    for (const chain of CHAINS) {
      const genesis = genesisMac(key, chain);
      const head: ChainHead = { chain, head_id: 0, head_mac: genesis, anchor_id: 0, anchor_mac: genesis, record_count: 0 };
      st.insertHead.run({ ...head, seal: sealHead(key, head) });
    }
  })();
}

/** Sums counter deltas by key, then applies each once (one upsert per combination per batch). */
export class CounterBatch {
  private readonly deltas = new Map<string, CounterDelta>();

  add(createdAt: number, eventType: string, status: string, role: string | null, sign: 1 | -1, responseTimeMs: number | null): void {
    for (const [granularity, unit] of COUNTER_LEVELS) {
      const bucket = Math.floor(createdAt / unit) * unit;
      const userRole = role ?? '';
      const k = `${granularity}|${bucket}|${eventType}|${status}|${userRole}`;
      let d = this.deltas.get(k);
      if (!d) {
        d = { granularity, bucket, event_type: eventType, status, user_role: userRole, count: 0, rt_sum: 0, rt_count: 0 };
        this.deltas.set(k, d);
      }
      d.count += sign;
      if (responseTimeMs !== null) {
        d.rt_sum += sign * responseTimeMs;
        d.rt_count += sign;
      }
    }
  }

  get size(): number {
    return this.deltas.size;
  }

  apply(st: LogStatements): void {
    for (const d of this.deltas.values()) {
      if (d.count === 0 && d.rt_count === 0 && d.rt_sum === 0) continue;
      const values = d as unknown as Record<string, unknown>;
      st.addCounter.run(values);
      // A status change moves a count from one combination to another; drop what reached zero.
      if (d.count < 0) st.dropCounterIfEmpty.run({ ...values, zero: 0 });
    }
    this.deltas.clear();
  }
}
