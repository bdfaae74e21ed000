import { createHash } from 'node:crypto';
import fs from 'node:fs';
import { once } from 'node:events';
import { StringDecoder } from 'node:string_decoder';
import { finished } from 'node:stream/promises';
import type pg from 'pg';
import { to as copyTo } from 'pg-copy-streams';
import { EXPORT_COLUMNS, csvHeader, formatLine, type ExportRow } from '../../export/exportFormat';
import { manifestFilters, signManifest } from '../../integrity/manifest';
import type { LogKeys } from '../../store/chain';
import type { ExportResult, StorageExportOptions } from '../LogStorage';
import type { PgDatabase } from './pgDatabase';
import { PG_RECORD_SELECT, pgWhere } from './pgReads';

/** Bytes the file stream may hold before it pushes back. */
const WRITE_AHEAD_BYTES = 4 * 1024 * 1024;
/** Progress is reported every this many rows. */
const PROGRESS_ROWS = 10_000;

const NUMERIC = new Set<string>(['id', 'patient_latitude', 'patient_longitude', 'distance_km', 'created_at', 'processed_at', 'response_time_ms', 'session_duration', 'version']);
const TEXT_ESCAPES: Record<string, string> = { b: '\b', f: '\f', n: '\n', r: '\r', t: '\t', v: '\v', '\\': '\\' };

/** One field of COPY's text format: `\N` is NULL, backslash escapes the control characters (COPY TO emits no octal forms). */
const unescapeField = (field: string): string | null => (field === '\\N' ? null : field.includes('\\') ? field.replace(/\\(.)/g, (_, c: string) => TEXT_ESCAPES[c] ?? c) : field);

/** A COPY text line as the row the reference formatter (exportFormat.ts) takes. */
function parseCopyLine(line: string): ExportRow {
  const fields = line.split('\t');
  const row: Record<string, unknown> = {};
  EXPORT_COLUMNS.forEach((column, i) => {
    const value = unescapeField(fields[i]!);
    if (value === null) row[column] = null;
    else if (column === 'mac') row[column] = Buffer.from(value, 'hex');
    else if (column === 'processed') row[column] = value === 't' ? 1 : 0;
    else row[column] = NUMERIC.has(column) ? Number(value) : value;
  });
  return row as unknown as ExportRow;
}

/** COPY takes no bind parameters: the filter's values are inlined as quoted literals (escapeLiteral), never spliced raw. */
function inline(client: pg.PoolClient, sql: string, params: unknown[]): string {
  const literal = (v: unknown): string => (Array.isArray(v) ? `ARRAY[${v.map(literal).join(',')}]::text[]` : client.escapeLiteral(String(v)));
  return sql.replace(/\$(\d+)(::text\[\])?/g, (_, n: string, cast: string | undefined) => literal(params[Number(n) - 1]) + (Array.isArray(params[Number(n) - 1]) ? '' : (cast ?? '')));
}

/**
 * Exports the rows a filter selects from PostgreSQL: one REPEATABLE READ
 * snapshot, `COPY (SELECT ...) TO STDOUT` streamed through pg-copy-streams (the
 * server sends rows as fast as the file takes them, backpressure included),
 * each line formatted by the reference formatter, so the file and its signed
 * manifest are exactly what the SQLite export writes and `switchboard verify
 * --export` checks. The manifest's chain head is the newest checkpoint in the
 * snapshot (the global chain that seals every node's chain).
 */
export async function exportPostgresLog(pgDb: PgDatabase, keys: LogKeys, options: StorageExportOptions): Promise<ExportResult> {
  const to = options.filter.to ?? Date.now();
  const filter = { ...options.filter, to };
  const client = await pgDb.pool.connect();
  const out = fs.createWriteStream(options.outFile, { mode: 0o600, highWaterMark: WRITE_AHEAD_BYTES });
  const hash = createHash('sha256');
  let bytes = 0;
  const write = async (text: string) => {
    const buf = Buffer.from(text, 'utf8');
    hash.update(buf);
    bytes += buf.length;
    if (!out.write(buf)) await once(out, 'drain');
  };
  try {
    await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
    const head = (await client.query<{ seq: number; mac: Buffer; records: number }>(
      'SELECT c.seq, c.mac, (SELECT coalesce(sum(last_seq), 0)::bigint FROM log_chains) AS records FROM log_checkpoints c ORDER BY c.seq DESC LIMIT 1'
    )).rows[0];
    const params: unknown[] = [];
    const where = pgWhere(filter, params);
    const select = `SELECT ${PG_RECORD_SELECT}, encode(mac, 'hex') AS mac FROM socket_logs ${where} ORDER BY created_at, id`;
    const stream = client.query(copyTo(`COPY (${inline(client, select, params)}) TO STDOUT`));
    if (options.format === 'csv') await write(csvHeader());
    let rows = 0;
    let firstId: number | null = null;
    let lastId: number | null = null;
    let pending = '';
    const decoder = new StringDecoder('utf8');
    for await (const chunk of stream) {
      pending += decoder.write(chunk as Buffer);
      const lines = pending.split('\n');
      pending = lines.pop() ?? '';
      let text = '';
      for (const line of lines) {
        const row = parseCopyLine(line);
        firstId ??= Number(row.id);
        lastId = Number(row.id);
        text += formatLine(options.format, row);
        rows += 1;
        if (rows % PROGRESS_ROWS === 0) options.onProgress?.(rows, null);
      }
      await write(text);
    }
    await client.query('COMMIT');
    out.end();
    await finished(out);
    options.onProgress?.(rows, rows);
    const manifest = signManifest(keys, {
      format: 'switchboard-socket-log-export/1',
      file_format: options.format,
      sha256: hash.digest('hex'),
      bytes,
      row_count: rows,
      first_id: firstId,
      last_id: lastId,
      filters: manifestFilters(filter, to),
      chain_head: { id: head?.seq ?? 0, mac: head?.mac.toString('hex') ?? '', record_count: head?.records ?? 0 },
      created_at: new Date().toISOString(),
      created_by: options.createdBy
    });
    const manifestFile = `${options.outFile}.manifest.json`;
    fs.writeFileSync(manifestFile, JSON.stringify(manifest, null, 2) + '\n', { mode: 0o600 });
    return { rows, bytes, rowsFormattedInJs: rows, rowsFromHelper: 0, manifestFile, manifest };
  } catch (err) {
    out.destroy();
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  } finally {
    client.release();
  }
}
