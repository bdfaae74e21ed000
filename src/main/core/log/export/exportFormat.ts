import { RECORD_COLUMNS, type RecordRow } from '../store/record';

export type ExportFormat = 'csv' | 'ndjson';
export const EXPORT_COLUMNS = [...RECORD_COLUMNS, 'mac'] as const;
export type ExportColumn = (typeof EXPORT_COLUMNS)[number];
export type ExportRow = RecordRow & { mac: Buffer };

/** The CSV header line (the same in both formatters). */
export const csvHeader = (): string => EXPORT_COLUMNS.join(',') + '\n';

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
 * One output line formatted in JS from the stored row, without parsing and
 * re-serialising the JSON columns (they are stored as JSON text already).
 *
 * This is the reference for the export's bytes: exportSql.ts makes SQLite
 * produce the same text (tests compare the two), and the exporter falls back
 * to this for a page holding a value SQLite cannot render exactly.
 */
export function formatLine(format: ExportFormat, row: ExportRow): string {
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
}
