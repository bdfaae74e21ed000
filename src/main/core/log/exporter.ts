import { createHash } from 'node:crypto';
import fs from 'node:fs';
import { once } from 'node:events';
import { finished } from 'node:stream/promises';
import type { Kysely } from 'kysely';
import type { DatabaseSchema } from '../db/schema';
import type { LogKeys } from './chain';
import { applyFilter, type RowFilter } from './queries';
import { RECORD_COLUMNS, type RecordRow } from './record';
import { openReadSnapshot, yieldToEventLoop } from './readConnection';
import { aggregate } from './statistics';
import { prepareNamed, readHeadOn } from './statements';
import { signManifest, type ExportManifest } from './manifest';

export type ExportFormat = 'csv' | 'ndjson';
const PAGE = 2_000;
export const EXPORT_COLUMNS = [...RECORD_COLUMNS, 'mac'] as const;

export interface ExportOptions {
  file: string;
  keys: LogKeys;
  format: ExportFormat;
  filter: RowFilter;
  outFile: string;
  createdBy: string;
  onProgress?(done: number, total: number | null): void;
}

export interface ExportResult {
  rows: number;
  bytes: number;
  manifestFile: string;
  manifest: ExportManifest;
}

const csvCell = (value: unknown): string => {
  if (value === null || value === undefined) return '';
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  let text = typeof value === 'string' ? value : JSON.stringify(value);
  // A cell starting with = + - @ runs as a formula in a spreadsheet: neutralise it (OWASP CSV injection).
  if (/^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
};

const JSON_COLUMNS = new Set(['event_data', 'request_data', 'response_data']);
const TIME_COLUMNS = new Set(['created_at', 'processed_at']);

/**
 * One output line straight from the stored row, without parsing and
 * re-serialising the JSON columns (they are stored as JSON text already): the
 * same record toRecord() would give, at a fraction of the cost per row.
 */
const formatLine = (format: ExportFormat, row: RecordRow & { mac: Buffer }): string => {
  const cells = row as unknown as Record<string, unknown>;
  if (format === 'ndjson') {
    let line = '{';
    for (let i = 0; i < EXPORT_COLUMNS.length; i += 1) {
      const c = EXPORT_COLUMNS[i]!;
      const v = cells[c];
      let text: string;
      if (v === null || v === undefined) text = 'null';
      else if (c === 'mac') text = `"${(v as Buffer).toString('hex')}"`;
      else if (JSON_COLUMNS.has(c)) text = v as string;
      else if (TIME_COLUMNS.has(c)) text = `"${new Date(Number(v)).toISOString()}"`;
      else if (c === 'processed') text = v ? 'true' : 'false';
      else text = typeof v === 'string' ? JSON.stringify(v) : String(v);
      line += `${i ? ',' : ''}"${c}":${text}`;
    }
    return line + '}\n';
  }
  let line = '';
  for (let i = 0; i < EXPORT_COLUMNS.length; i += 1) {
    const c = EXPORT_COLUMNS[i]!;
    const v = cells[c];
    const value =
      v === null || v === undefined ? null : c === 'mac' ? (v as Buffer).toString('hex') : TIME_COLUMNS.has(c) ? new Date(Number(v)).toISOString() : c === 'processed' ? Boolean(v) : v;
    line += (i ? ',' : '') + csvCell(value);
  }
  return line + '\n';
};

/** A total for the progress bar from the counters, when the filter is one the counters can answer. */
async function estimateTotal(db: Kysely<DatabaseSchema>, f: RowFilter, to: number): Promise<number | null> {
  if (f.userId !== undefined || f.hospitalId !== undefined || f.userRoles?.length) return null;
  const combos = await aggregate(db, { from: f.from ?? 0, to: to + 1 });
  return combos
    .filter((c) => (!f.eventTypes?.length || f.eventTypes.includes(c.event_type)) && (f.status === undefined || c.status === f.status))
    .reduce((n, c) => n + c.count, 0);
}

/**
 * Streams a filtered range of the log to CSV or NDJSON from one read snapshot,
 * page by page in (created_at, id) order with keyset paging, respecting the
 * file stream's backpressure and yielding between pages: memory stays flat
 * whatever the size and the hub keeps running. Then writes a signed manifest.
 */
export async function exportLog(options: ExportOptions): Promise<ExportResult> {
  const snap = openReadSnapshot(options.file);
  const out = fs.createWriteStream(options.outFile, { mode: 0o600 });
  const hash = createHash('sha256');
  let bytes = 0;
  const write = async (text: string) => {
    const buf = Buffer.from(text, 'utf8');
    hash.update(buf);
    bytes += buf.length;
    if (!out.write(buf)) await once(out, 'drain');
  };
  try {
    const { db } = snap;
    const to = options.filter.to ?? Date.now();
    const filter: RowFilter = { ...options.filter, to };
    const head = readHeadOn(db, snap.sqlite, 'rows');
    const total = await estimateTotal(db, filter, to);
    const ordered = (p: (name: string) => string, after: boolean) => {
      let q = applyFilter(db.selectFrom('socket_logs').select([...RECORD_COLUMNS, 'mac']), filter);
      if (after) q = q.where((eb) => eb(eb.refTuple('created_at', 'id'), '>', eb.tuple(p('at') as never, p('id') as never)));
      return q.orderBy('created_at').orderBy('id').limit(p('limit') as never);
    };
    const first = prepareNamed(snap.sqlite, (p) => ordered(p, false));
    const next = prepareNamed(snap.sqlite, (p) => ordered(p, true));
    if (options.format === 'csv') await write(EXPORT_COLUMNS.join(',') + '\n');
    let rows = 0;
    let firstId: number | null = null;
    let lastId: number | null = null;
    let page = first.all<RecordRow & { mac: Buffer }>({ limit: PAGE });
    while (page.length > 0) {
      let chunk = '';
      for (const row of page) chunk += formatLine(options.format, row);
      await write(chunk);
      rows += page.length;
      firstId ??= Number(page[0]!.id);
      const last = page[page.length - 1]!;
      lastId = Number(last.id);
      options.onProgress?.(rows, total);
      if (page.length < PAGE) break;
      await yieldToEventLoop();
      page = next.all<RecordRow & { mac: Buffer }>({ at: Number(last.created_at), id: lastId, limit: PAGE });
    }
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
      filters: {
        from: filter.from !== undefined ? new Date(filter.from).toISOString() : null,
        to: new Date(to).toISOString(),
        event_types: filter.eventTypes ?? null,
        status: filter.status ?? null,
        user_id: filter.userId ?? null,
        user_roles: filter.userRoles ?? null,
        hospital_id: filter.hospitalId ?? null
      },
      chain_head: { id: head.head_id, mac: head.head_mac.toString('hex'), record_count: head.record_count },
      created_at: new Date().toISOString(),
      created_by: options.createdBy
    });
    const manifestFile = `${options.outFile}.manifest.json`;
    fs.writeFileSync(manifestFile, JSON.stringify(manifest, null, 2) + '\n', { mode: 0o600 });
    return { rows, bytes, manifestFile, manifest };
  } catch (err) {
    out.destroy();
    throw err;
  } finally {
    await snap.close();
  }
}
