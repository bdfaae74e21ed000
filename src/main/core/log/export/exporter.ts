import { createHash } from 'node:crypto';
import fs from 'node:fs';
import { once } from 'node:events';
import os from 'node:os';
import { finished } from 'node:stream/promises';
import type { Kysely } from 'kysely';
import type { DatabaseSchema } from '../../db/schema';
import type { LogKeys } from '../store/chain';
import { countRows, type RowFilter } from '../read/queries';
import { openReadSnapshot, yieldToEventLoop, type ReadSnapshot } from '../read/readConnection';
import { aggregate } from '../read/statistics';
import { readHeadOn } from '../store/statements';
import { manifestFilters, signManifest, type ExportManifest } from '../integrity/manifest';
import { csvHeader, type ExportFormat } from './exportFormat';
import { bindValues, compileExportStatements, createSegmentReader, PAGE_JSON_BYTES, START, type RenderedPage, type Segment, type SegmentReader } from './exportPages';
import { startExportHelper, type ExportHelper } from './exportHelper';

export { EXPORT_COLUMNS, type ExportFormat } from './exportFormat';

export interface ExportOptions {
  file: string;
  keys: LogKeys;
  format: ExportFormat;
  filter: RowFilter;
  outFile: string;
  createdBy: string;
  onProgress?(done: number, total: number | null): void;
  /** For tests and benchmarks: rows per segment, and whether to use the helper thread (default: for large exports on 2+ cores). */
  tuning?: { segmentRows?: number; helperThread?: boolean };
}

export interface ExportResult {
  rows: number;
  bytes: number;
  /** Rows on pages formatted in JS because SQL could not render a value exactly (0 for ordinary data). */
  rowsFormattedInJs: number;
  /** Rows the helper thread rendered. */
  rowsFromHelper: number;
  manifestFile: string;
  manifest: ExportManifest;
}

/** Below this many rows the helper thread's start (tens of ms) costs more than it saves. */
const HELPER_MIN_ROWS = 50_000;
/** Export reads are sequential: a 4 MB page cache per connection (not the default 16 MB) keeps the process's memory flat. */
const CACHE_SIZE = -4096;
/** Bytes the file stream may hold before it pushes back. */
const WRITE_AHEAD_BYTES = 4 * 1024 * 1024;
/** Segments rendered ahead of the file at most: bounds memory, each is at most a page budget. */
const MAX_AHEAD = 4;

/** A total for the progress bar from the counters, when the filter is one the counters can answer. */
async function estimateTotal(db: Kysely<DatabaseSchema>, f: RowFilter, to: number): Promise<number | null> {
  if (f.userId !== undefined || f.hospitalId !== undefined || f.userRoles?.length) return null;
  const combos = await aggregate(db, { from: f.from ?? 0, to: to + 1 });
  return combos
    .filter((c) => (!f.eventTypes?.length || f.eventTypes.includes(c.event_type)) && (f.status === undefined || c.status === f.status))
    .reduce((n, c) => n + c.count, 0);
}

type Statements = ReturnType<typeof compileExportStatements>;

/**
 * The read snapshot, and for a large export the helper thread on an identical
 * one (exportHelper.ts): the first snapshot only decides, a fresh one is taken
 * in step with the helper's.
 */
async function openSnapshots(options: ExportOptions, filter: RowFilter): Promise<{ snap: ReadSnapshot; statements: Statements; helper: ExportHelper | null }> {
  const open = () => {
    const snap = openReadSnapshot(options.file);
    snap.sqlite.pragma(`cache_size = ${CACHE_SIZE}`);
    return snap;
  };
  let snap = open();
  try {
    const statements = compileExportStatements(snap, options.format, filter);
    const wanted = options.tuning?.helperThread ?? (os.availableParallelism() > 1 && (await countRows(snap.db, filter, HELPER_MIN_ROWS)).capped);
    if (!wanted) return { snap, statements, helper: null };
    await snap.close();
    snap = open();
    const main = snap;
    const helper = await startExportHelper({
      file: options.file,
      statements,
      pageJsonBytes: PAGE_JSON_BYTES,
      cacheSize: CACHE_SIZE,
      takeMainSnapshot: () => main.sqlite.prepare(statements.chains.sql).all(bindValues(statements.chains, {}))
    });
    return { snap, statements, helper };
  } catch (err) {
    await snap.close();
    throw err;
  }
}

interface Queued {
  segment: Segment;
  /** null: render it on this thread when it reaches the file (over the page budget, or the helper handed it back). */
  page?: RenderedPage | null;
  /** Settles when the helper returns the page. */
  rendered?: Promise<unknown>;
  fromHelper: boolean;
}

/**
 * Plans segments in order and has them rendered, by the helper when it has
 * room and on this thread otherwise, then writes them in order. Yields between
 * steps so the hub keeps running; the file's backpressure holds everything.
 */
async function writeSegments(reader: SegmentReader, helper: ExportHelper | null, write: (page: RenderedPage, segment: Segment, fromHelper: boolean) => Promise<void>) {
  let after = START;
  let planning = true;
  const plan = (): Segment | null => {
    const segment = planning ? reader.next(after) : null;
    if (segment) after = segment.last;
    else planning = false;
    return segment;
  };
  const queue: Queued[] = [];
  for (;;) {
    // Two segments at the helper, so it never waits for this thread.
    while (helper?.alive && helper.inFlight < 2 && queue.length < MAX_AHEAD) {
      const segment = plan();
      if (!segment) break;
      const item: Queued = { segment, fromHelper: true };
      item.rendered = helper.render(segment).then((page) => (item.page = page));
      queue.push(item);
    }
    if (queue.length < MAX_AHEAD) {
      const segment = plan();
      if (segment) queue.push({ segment, page: reader.render(segment), fromHelper: false });
    }
    if (queue.length === 0) return;
    const head = queue[0]!;
    if (head.page === undefined && (!planning || queue.length >= MAX_AHEAD)) await head.rendered;
    while (queue.length > 0 && queue[0]!.page !== undefined) {
      const { segment, page, fromHelper } = queue.shift()!;
      if (page) await write(page, segment, fromHelper);
      else await reader.renderInPages(segment, (part) => write(part, segment, false));
    }
    await yieldToEventLoop();
  }
}

/**
 * Streams a filtered range of the log to CSV or NDJSON from one read snapshot,
 * in (created_at, id) order with keyset paging, SQLite rendering the text
 * (exportSql.ts) on this thread and, for large exports, on a helper thread
 * too; respecting the file stream's backpressure and yielding between pages,
 * so memory stays flat whatever the size and the hub keeps running. Then
 * writes a signed manifest.
 */
export async function exportLog(options: ExportOptions): Promise<ExportResult> {
  const to = options.filter.to ?? Date.now();
  const filter: RowFilter = { ...options.filter, to };
  const { snap, statements, helper } = await openSnapshots(options, filter);
  // Room for a few pages, so the file is written while the next page renders instead of after it.
  const out = fs.createWriteStream(options.outFile, { mode: 0o600, highWaterMark: WRITE_AHEAD_BYTES });
  const hash = createHash('sha256');
  let bytes = 0;
  const writeBytes = async (buf: Buffer) => {
    hash.update(buf);
    bytes += buf.length;
    if (!out.write(buf)) await once(out, 'drain');
  };
  try {
    const { db } = snap;
    const head = readHeadOn(db, snap.sqlite, 'rows');
    const total = await estimateTotal(db, filter, to);
    const reader = createSegmentReader(snap, options.format, statements, options.tuning?.segmentRows);
    if (options.format === 'csv') await writeBytes(Buffer.from(csvHeader(), 'utf8'));
    let rows = 0;
    let rowsFormattedInJs = 0;
    let rowsFromHelper = 0;
    const firstId = reader.firstKey()?.id ?? null;
    let lastId: number | null = null;
    await writeSegments(reader, helper, async (page, segment, fromHelper) => {
      // A helper that saw other rows would mean the two snapshots differ: never write that.
      if (fromHelper && segment.full && page.rows !== segment.limit) throw new Error(`export helper rendered ${page.rows} rows, expected ${segment.limit}`);
      await writeBytes(page.body);
      rows += page.rows;
      if (page.formattedInJs) rowsFormattedInJs += page.rows;
      if (fromHelper) rowsFromHelper += page.rows;
      lastId = segment.last.id;
      options.onProgress?.(rows, total);
    });
    out.end();
    await finished(out);
    const manifest = signManifest(options.keys, {
      format: 'switchboard-socket-log-export/1',
      file_format: options.format,
      sha256: hash.digest('hex'),
      bytes,
      row_count: rows,
      first_id: firstId,
      last_id: lastId,
      filters: manifestFilters(filter, to),
      chain_head: { id: head.head_id, mac: head.head_mac.toString('hex'), record_count: head.record_count },
      created_at: new Date().toISOString(),
      created_by: options.createdBy
    });
    const manifestFile = `${options.outFile}.manifest.json`;
    fs.writeFileSync(manifestFile, JSON.stringify(manifest, null, 2) + '\n', { mode: 0o600 });
    return { rows, bytes, rowsFormattedInJs, rowsFromHelper, manifestFile, manifest };
  } catch (err) {
    out.destroy();
    throw err;
  } finally {
    await helper?.close();
    await snap.close();
  }
}
