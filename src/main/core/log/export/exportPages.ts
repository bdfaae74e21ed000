import type Sqlite from 'better-sqlite3';
import { sql, type Compilable } from 'kysely';
import { applyFilter, rowsFrom, type RowFilter } from '../read/queries';
import type { ReadSnapshot } from '../read/readConnection';
import { EXPORT_COLUMNS, formatLine, type ExportFormat, type ExportRow } from './exportFormat';
import { lineSql, pageColumnsSql } from './exportSql';
import { bindValues, type CompiledStatement } from './compiledStatement';

export { bindValues, type CompiledStatement } from './compiledStatement';

/*
 * The export's statements, built with kysely and SQLite-specific where they
 * render text (group_concat, octet_length, total, hex, and exportSql.ts): they
 * belong to this data layer and only the exporter uses them.
 */

/** Rows per segment: big enough that per-segment work (a few statements, a message, a yield) is noise. */
export const SEGMENT_ROWS = 2_000;
/**
 * Stored JSON per rendered page at most: a row carries up to 3 x 64K of JSON
 * and a page is one blob in memory (SQLite's, then ours), so a segment of
 * large payloads is rendered in smaller pages.
 */
export const PAGE_JSON_BYTES = 4 * 1024 * 1024;

/** A row's position in export order. */
export interface Key {
  at: number;
  id: number;
}
/** Sorts before every row, so one set of statements serves every segment. */
export const START: Key = { at: -Infinity, id: 0 };

/** Up to `limit` rows after `after`, in (created_at, id) order; `last` is the last one's key; `full` when it holds `limit` rows. */
export interface Segment {
  after: Key;
  limit: number;
  last: Key;
  full: boolean;
}

export interface RenderedPage {
  /** The lines, UTF-8, ready to hash and write. */
  body: Buffer;
  rows: number;
  /** A value SQL cannot render exactly was on the page, so formatLine() rendered it. */
  formattedInJs: boolean;
}

const SENTINEL = '\u0000export-param:';

export function compileNamed(build: (p: (name: string) => string) => Compilable): CompiledStatement {
  const compiled = build((name) => `${SENTINEL}${name}`).compile();
  const bind = compiled.parameters.map((value) =>
    typeof value === 'string' && value.startsWith(SENTINEL) ? { name: value.slice(SENTINEL.length) } : { value }
  );
  return { sql: compiled.sql, bind };
}

/** The page statements; the helper thread prepares the same `probe` and `body` on its own connection. */
export function compileExportStatements(snap: ReadSnapshot, format: ExportFormat, filter: RowFilter) {
  const { db } = snap;
  const ordered = (p: (name: string) => string) =>
    applyFilter(rowsFrom(db, filter).select([...EXPORT_COLUMNS]), filter)
      .where((eb) => eb(eb.refTuple('created_at', 'id'), '>', eb.tuple(p('at') as never, p('id') as never)))
      .orderBy('created_at')
      .orderBy('id');
  const page = (p: (name: string) => string) => ordered(p).limit(p('limit') as never);
  return {
    // How much stored JSON the page holds (octet_length does not load the text).
    probe: compileNamed((p) =>
      db
        .selectFrom(page(p).as('page'))
        .select(sql<number>`total(octet_length(event_data)) + total(octet_length(request_data)) + total(octet_length(response_data))`.as('bytes'))
    ),
    // The page subquery (ORDER BY with LIMIT) runs as a co-routine: its computed
    // columns are computed once per row, and its rows reach group_concat() in
    // ORDER BY order. SQLite calls that order arbitrary unless group_concat has
    // its own ORDER BY, which re-sorts every page (about 10% slower); the
    // exportFormat tests pin the order across pages, ties and clock jumps.
    body: compileNamed((p) =>
      db
        .selectFrom(page(p).select(pageColumnsSql(format)).as('page'))
        .select([sql<Buffer | null>`CAST(group_concat(${lineSql(format)}, '') AS BLOB)`.as('body'), sql<number>`count(*)`.as('rows'), sql<number>`total(fits)`.as('fitting')])
    ),
    // The n-th row's key: a walk of the time index (no text is rendered).
    keyAt: compileNamed((p) =>
      ordered(p)
        .clearSelect()
        .select(['created_at', 'id'])
        .limit(1)
        .offset(p('offset') as never)
    ),
    lastKey: compileNamed((p) =>
      applyFilter(rowsFrom(db, filter).select(['created_at', 'id']), filter)
        .where((eb) => eb(eb.refTuple('created_at', 'id'), '>', eb.tuple(p('at') as never, p('id') as never)))
        .orderBy('created_at', 'desc')
        .orderBy('id', 'desc')
        .limit(1)
    ),
    // The exact reference, for a page SQL cannot render exactly.
    rows: compileNamed((p) => page(p)),
    // Every chain's head and anchor: equal on two connections means equal socket_logs (exportHelper.ts).
    chains: compileNamed(() =>
      db
        .selectFrom('socket_log_chains')
        .select(['chain', 'head_id', sql<string>`hex(head_mac)`.as('head_mac'), 'anchor_id', sql<string>`hex(anchor_mac)`.as('anchor_mac'), 'record_count'])
        .orderBy('chain')
    )
  };
}
export type ExportStatements = ReturnType<typeof compileExportStatements>;

export interface BodyResult {
  body: Buffer | null;
  rows: number;
  fitting: number;
}

/** Runs compiled page statements on one connection (the main snapshot's, or the helper's). */
export function preparePageStatements(sqlite: Sqlite.Database, statements: Pick<ExportStatements, 'probe' | 'body'>) {
  const probe = sqlite.prepare(statements.probe.sql).pluck();
  const body = sqlite.prepare(statements.body.sql);
  return {
    jsonBytes: (after: Key, limit: number) => Number(probe.get(bindValues(statements.probe, { ...after, limit }))),
    body: (after: Key, limit: number) => body.get(bindValues(statements.body, { ...after, limit })) as BodyResult
  };
}

/**
 * Plans the export in segments and renders them on the main snapshot. Keys
 * come from index walks, so planning is cheap and the helper thread can render
 * a segment while this thread renders the next one.
 */
export function createSegmentReader(snap: ReadSnapshot, format: ExportFormat, statements: ExportStatements, segmentRows = SEGMENT_ROWS) {
  const { sqlite } = snap;
  const prepare = (st: CompiledStatement) => {
    const stmt = sqlite.prepare(st.sql);
    return { get: <T>(values: Record<string, unknown>) => stmt.get(bindValues(st, values)) as T | undefined, all: <T>(values: Record<string, unknown>) => stmt.all(bindValues(st, values)) as T[] };
  };
  const pages = preparePageStatements(sqlite, statements);
  const keyAt = prepare(statements.keyAt);
  const lastKey = prepare(statements.lastKey);
  const rowsInJs = prepare(statements.rows);
  const toKey = (row: { created_at: number; id: number }): Key => ({ at: Number(row.created_at), id: Number(row.id) });

  /** One page of at most `limit` rows after `after`; null when its stored JSON is over the budget. */
  const renderPage = (after: Key, limit: number): RenderedPage | null => {
    if (limit > 1 && pages.jsonBytes(after, limit) > PAGE_JSON_BYTES) return null;
    const result = pages.body(after, limit);
    const rows = Number(result.rows);
    if (result.fitting >= rows) return { body: result.body ?? Buffer.alloc(0), rows, formattedInJs: false };
    return { body: renderInJs(after, limit), rows, formattedInJs: true };
  };
  const renderInJs = (after: Key, limit: number) =>
    Buffer.from(
      rowsInJs
        .all<ExportRow>({ ...after, limit })
        .map((row) => formatLine(format, row))
        .join(''),
      'utf8'
    );

  return {
    firstKey(): Key | null {
      const row = keyAt.get<{ created_at: number; id: number }>({ ...START, offset: 0 });
      return row ? toKey(row) : null;
    },
    /** The segment after `after`, or null at the end. */
    next(after: Key): Segment | null {
      const full = keyAt.get<{ created_at: number; id: number }>({ ...after, offset: segmentRows - 1 });
      if (full) return { after, limit: segmentRows, last: toKey(full), full: true };
      const tail = lastKey.get<{ created_at: number; id: number }>({ ...after });
      return tail ? { after, limit: segmentRows, last: toKey(tail), full: false } : null;
    },
    /** The whole segment as one page, or null when it is over the JSON budget (then use renderInPages). */
    render: (segment: Segment): RenderedPage | null => renderPage(segment.after, segment.limit),
    /** A large segment in pages that each fit the budget, handed to `emit` one at a time. */
    async renderInPages(segment: Segment, emit: (page: RenderedPage) => Promise<void>): Promise<void> {
      let after = segment.after;
      let left = segment.limit;
      let limit = segment.limit;
      while (left > 0) {
        limit = Math.min(limit, left);
        const page = renderPage(after, limit);
        if (!page) {
          limit = Math.max(1, Math.floor(limit / 4));
          continue;
        }
        if (page.rows === 0) return;
        await emit(page);
        left -= page.rows;
        if (page.rows < limit) return;
        after = toKey(keyAt.get<{ created_at: number; id: number }>({ ...after, offset: page.rows - 1 })!);
        limit *= 2;
      }
    }
  };
}
export type SegmentReader = ReturnType<typeof createSegmentReader>;
