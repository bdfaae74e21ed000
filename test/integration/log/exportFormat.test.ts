import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import Sqlite from 'better-sqlite3';
import { beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../../helpers/core';
import { exportLog, type ExportOptions } from '../../../src/main/core/log/export/exporter';
import { EXPORT_COLUMNS, csvHeader, formatLine, type ExportFormat, type ExportRow } from '../../../src/main/core/log/export/exportFormat';
import type { NewSocketLog } from '../../../src/main/core/log/types';
import { entry, openLogFixture } from './helpers';

/**
 * SQLite renders the export (exportSql.ts); formatLine() in JS is the reference.
 * A log full of hostile values goes through the real writer, is exported, and
 * every line must be the reference line for the same row read back: byte for
 * byte, except that a real may differ in its 17th digit if it parses to the
 * same double (SQLite's choice there can differ from JS's). Rows SQL cannot
 * render exactly are formatted in JS, so the test also pins which rows those
 * are: no other row may hide there.
 */

const TEXTS = [
  'plain',
  '',
  'comma, inside',
  'quote " inside',
  '"starts with a quote',
  'line\nfeed',
  'carriage\rreturn',
  'crlf\r\nend',
  '=1+1',
  '+SUM(A1)',
  '-2',
  '@cmd',
  '\ttab first',
  '\rcr first',
  '=HYPERLINK("http://evil", "click, here")',
  'Zürich Universitätsspital',
  'line\u2028and paragraph\u2029separators',
  'non-BMP 𝄞 🚑 👩‍⚕️',
  'back\\slash \\n not a newline',
  'nul\u0000inside',
  'controls \u0001\u0008\u000b\u000c\u001b\u001f',
  'del \u007f and \u007f=after del',
  "single ' quote",
  'lone surrogate \ud800 here',
  '   spaces   ',
  'tab\tinside'
];

const ONE_AWKWARD_CELL = ['=1+1', '+1', '-1', '@x', '\tx', '\rx', 'a,b', 'a"b', 'a\rb', 'a\nb', 'a\u0000b', 'a\u0000,b', '\u0000=x', 'x\u007f', '\u007f', 'a\\b'];

const PAYLOADS: unknown[] = [
  { note: 'quote " comma , newline \n tab \t', emoji: '😀🚑', ls: '\u2028', nul: '\u0000', nested: { list: [1, 'two', null, true] } },
  [1, 'two', { three: 3 }],
  -5,
  'just a string, with "quotes"',
  true,
  1e21,
  0.1 + 0.2,
  '=cmd|calc',
  { unicode: 'Zürich 𝄞', back: '\\' }
];

// Within the writer's ranges. MISFIT_REALS are below 1e-6, where JS switches to an exponent: JS formats those rows.
const MISFIT_REALS = { patientLatitude: [5e-324, 9.999999999999997e-7], patientLongitude: [1e-7, -2.5e-8] };
const LATITUDES = [0.1 + 0.2, -0, 0, 47.6062, 90, -90, 1e-5, -0.00001234, 0.000001, 1 / 3, 89.99999999999999, 51.50735123456789, 1e-4, 12.5, -33.8688];
const LONGITUDES = [180, -122.3321, -180, -179.99999999999997, 123.45678901234568, -0.12, 0.5, -0.000123, 2.2250738585072014e-5, -9.87654321012e-5, 1.0000000000000002e-6, 0.00009999999999999999];
const DISTANCES = [12.5, 40075, 0, 1234.5678901234567, 2 / 3, 0.001, 0.000001, 40074.99999999999, 999.999999999];

/** Times the writer's clock is set to (epoch ms): before 1970, first and last ms of years 0000-9999; MISFIT_TIMES need JS. */
const TIMES = [Date.UTC(2025, 0, 1, 8, 30), Date.UTC(2025, 0, 1, 8, 30) + 7, 0, -1, -999, 1_700_000_000_123, -62_167_219_200_000, 253_402_300_799_999];
const MISFIT_TIMES = [253_402_300_800_000, -62_167_219_200_001];
const FAR_FUTURE = 300_000_000_000_000;
const OUT_OF_RANGE = 'out_of_range';

interface Fixture {
  file: string;
  keys: ExportOptions['keys'];
  /** Rows SQL cannot render exactly (each is its own page when segments hold one row). */
  misfits: number;
}

async function hostileLog(): Promise<Fixture> {
  const fx = await openLogFixture();
  const entries: NewSocketLog[] = [];
  TEXTS.forEach((text, i) => {
    const other = TEXTS[(i * 7 + 3) % TEXTS.length]!;
    entries.push(
      entry({
        eventType: i % 3 ? 'update_location' : 'ambulance_request',
        socketId: text || 'sock',
        userId: text,
        userRole: i % 4 ? other : null,
        eventData: PAYLOADS[i % PAYLOADS.length],
        requestData: i % 2 ? PAYLOADS[(i + 3) % PAYLOADS.length] : null,
        responseData: i % 5 ? null : { text },
        patientLatitude: LATITUDES[i % LATITUDES.length],
        patientLongitude: i % 7 === 6 ? null : LONGITUDES[i % LONGITUDES.length],
        hospitalId: i % 2 ? other : null,
        hospitalName: text,
        distanceKm: i % 4 === 3 ? null : DISTANCES[i % DISTANCES.length],
        status: (['pending', 'success', 'failed'] as const)[i % 3],
        errorMessage: other,
        responseTimeMs: [0, 123, Number.MAX_SAFE_INTEGER, null][i % 4],
        ipAddress: i % 2 ? '::1' : null,
        userAgent: i % 3 ? 'ambulance-app/2.1 (Zürich)' : `Mozilla/5.0 (X11; Linux x86_64), ${other}`,
        sessionDuration: i % 2 ? 3600 : null
      })
    );
  });
  // One awkward cell in an otherwise plain row, in each text column in turn: CSV's plain-row check must see it.
  const plain = { socketId: 'sock', userId: 'patient-1', userRole: 'patient', hospitalId: 'H1', hospitalName: 'General', errorMessage: 'ok', ipAddress: '10.0.0.7', userAgent: 'app/1.0' };
  const fields = Object.keys(plain) as Array<keyof typeof plain>;
  ONE_AWKWARD_CELL.forEach((text, i) => entries.push(entry({ ...plain, [fields[i % fields.length]!]: text })));
  entries.push(entry(plain));
  let written = 0;
  for (const [i, e] of entries.entries()) {
    // The clock jumps back and forth and rows share milliseconds, so id order is not export order.
    fx.clock.now = TIMES[i % TIMES.length]!;
    await fx.writer.createSocketLog(e);
    written += 1;
  }
  // Updates later on the clock: processed_at differs from created_at, response_data changes.
  fx.clock.now = Date.UTC(2026, 5, 1, 12, 0, 0, 999);
  for (let id = 1; id <= written; id += 3) await fx.writer.updateSocketLog(id, { status: 'success', responseData: { ok: true, id, text: TEXTS[id % TEXTS.length] } });

  // Rows SQL cannot render exactly, all of type OUT_OF_RANGE.
  const odd = (over: Partial<NewSocketLog> = {}) => fx.writer.createSocketLog(entry({ eventType: OUT_OF_RANGE, ...over }));
  for (const [key, values] of Object.entries(MISFIT_REALS)) for (const value of values) await odd({ [key]: value });
  for (const at of MISFIT_TIMES) {
    fx.clock.now = at;
    await odd();
  }
  fx.clock.now = Date.UTC(2025, 0, 2);
  const edited: number[] = [];
  for (let i = 0; i < 8; i += 1) edited.push((await odd()).id);
  await fx.writer.flush();
  // Values the writer refuses but the export must still print exactly (a database edited or restored from elsewhere).
  const edit = (sql: string, id: number) => fx.database.sqlite.prepare(sql).run(id);
  edit('UPDATE socket_logs SET distance_km = 123456789.12345678 WHERE id = ?', 2);
  edit('UPDATE socket_logs SET distance_km = 1000000.5, session_duration = -5 WHERE id = ?', 4);
  edit('UPDATE socket_logs SET patient_latitude = 1e21 WHERE id = ?', edited[0]!);
  edit('UPDATE socket_logs SET patient_longitude = -1e300 WHERE id = ?', edited[1]!);
  edit('UPDATE socket_logs SET response_time_ms = 1152921504606846976 WHERE id = ?', edited[2]!);
  edit('UPDATE socket_logs SET response_time_ms = 0.1 + 0.2 WHERE id = ?', edited[3]!);
  edit("UPDATE socket_logs SET session_duration = 'abc' WHERE id = ?", edited[4]!);
  edit('UPDATE socket_logs SET processed = 2 WHERE id = ?', edited[5]!);
  edit("UPDATE socket_logs SET mac = 'not a blob' WHERE id = ?", edited[6]!);
  edit('UPDATE socket_logs SET created_at = 1.5 WHERE id = ?', edited[7]!);
  const misfits = Object.values(MISFIT_REALS).flat().length + MISFIT_TIMES.length + edited.length;
  await fx.close();
  return { file: path.join(fx.dataDir, 'switchboard.db'), keys: fx.keys, misfits };
}

/** The reference: the same rows read back in export order, to go through formatLine(). */
function referenceRows(file: string, where = 'true'): ExportRow[] {
  const db = new Sqlite(file, { readonly: true });
  try {
    return db.prepare(`SELECT ${EXPORT_COLUMNS.join(', ')} FROM socket_logs WHERE ${where} ORDER BY created_at, id`).all() as ExportRow[];
  } finally {
    db.close();
  }
}

const REAL_COLUMNS = new Set(['patient_latitude', 'patient_longitude', 'distance_km']);

/** A real's text may differ from JS's only in the 17th significant digit, and must parse to the same double. */
function expectSameReal(actual: string | undefined, expected: string | undefined, where: string) {
  if (actual === expected) return;
  const digits = (expected ?? '').replace(/^-?0?\.?0*|[.-]|e.*$/g, '');
  expect({ where, actual, sameDouble: Number(actual) === Number(expected), lastDigitOnly: actual?.slice(0, -1) === expected?.slice(0, -1), digits: digits.length }).toEqual({
    where,
    actual,
    sameDouble: true,
    lastDigitOnly: true,
    digits: 17
  });
}

/** One CSV line's cells as written (quotes included), and where the next line starts. */
function csvCells(text: string, start: number): { cells: string[]; next: number } {
  const cells: string[] = [];
  let i = start;
  for (;;) {
    let j = i;
    if (text[j] === '"') {
      j += 1;
      while (!(text[j] === '"' && text[j + 1] !== '"')) j += text[j] === '"' ? 2 : 1;
      j += 1;
    } else while (text[j] !== ',' && text[j] !== '\n') j += 1;
    cells.push(text.slice(i, j));
    if (text[j] === '\n') return { cells, next: j + 1 };
    i = j + 1;
  }
}

/** The export equals the reference line by line; returns how many lines matched only by value (reals). */
function expectSameAsReference(format: ExportFormat, text: string, rows: ExportRow[]): number {
  let pos = 0;
  let byValue = 0;
  if (format === 'csv') {
    expect(text.startsWith(csvHeader())).toBe(true);
    pos = csvHeader().length;
  }
  for (const row of rows) {
    const expected = formatLine(format, row);
    if (text.startsWith(expected, pos)) {
      pos += expected.length;
      continue;
    }
    byValue += 1;
    const where = `row id ${row.id}`;
    if (format === 'ndjson') {
      const end = text.indexOf('\n', pos);
      const actual = text.slice(pos, end + 1);
      // Byte-equal once the reals are masked, and the reals differ in the last digit at most.
      const reals = /"(patient_latitude|patient_longitude|distance_km)":([^,}]*)/g;
      expect(actual.replace(reals, '"$1":#'), where).toBe(expected.replace(reals, '"$1":#'));
      const realsOf = (line: string) => new Map([...line.matchAll(reals)].map((m) => [m[1], m[2]]));
      const a = realsOf(actual);
      const e = realsOf(expected);
      for (const c of REAL_COLUMNS) expectSameReal(a.get(c), e.get(c), `${where} ${c}`);
      pos = end + 1;
    } else {
      const actual = csvCells(text, pos);
      const wanted = csvCells(expected, 0).cells;
      expect(actual.cells.length, where).toBe(EXPORT_COLUMNS.length);
      EXPORT_COLUMNS.forEach((c, k) => {
        if (REAL_COLUMNS.has(c)) expectSameReal(actual.cells[k], wanted[k], `${where} ${c}`);
        else expect(actual.cells[k], `${where} ${c}`).toBe(wanted[k]);
      });
      pos = actual.next;
    }
  }
  expect(pos, 'no extra output').toBe(text.length);
  return byValue;
}

describe('export text rendered by SQLite', () => {
  let fx: Fixture;
  let rows: ExportRow[];
  beforeAll(async () => {
    fx = await hostileLog();
    rows = referenceRows(fx.file);
  });

  // `to` defaults to now; these rows reach year 10000.
  const exportTo = async (format: ExportFormat, tuning: ExportOptions['tuning'], filter: ExportOptions['filter'] = { to: FAR_FUTURE }) => {
    const outFile = path.join(tempDir(), `log.${format}`);
    const result = await exportLog({ file: fx.file, keys: fx.keys, format, filter, outFile, createdBy: 'test', tuning });
    const bytes = fs.readFileSync(outFile);
    expect(result.manifest.sha256).toBe(createHash('sha256').update(bytes).digest('hex'));
    return { result, text: bytes.toString('utf8') };
  };

  for (const format of ['ndjson', 'csv'] as const) {
    it(`renders every hostile ${format} row as formatLine() does, with only out-of-range rows left to JS`, async () => {
      // One row per page: a row SQL cannot render sends only itself to JS.
      const { result, text } = await exportTo(format, { segmentRows: 1, helperThread: false });
      expect(result.rows).toBe(rows.length);
      expect(result.rowsFormattedInJs).toBe(fx.misfits);
      expectSameAsReference(format, text, rows);
      // Ordinary reals print exactly as JS prints them.
      const cell = (c: string, v: string) => (format === 'csv' ? `,${v},` : `"${c}":${v},`);
      expect(text).toContain(cell('patient_latitude', '47.6062'));
      expect(text).toContain(cell('patient_longitude', '-122.3321'));
      expect(text).toContain(cell('distance_km', '12.5'));
    });

    it(`keeps ${format} order and bytes across multi-row pages, ties, a filter and the helper thread`, async () => {
      // Without the out-of-range rows every page is SQL's, so the helper's pages are too.
      const filter = { eventTypes: ['update_location', 'ambulance_request'], to: FAR_FUTURE };
      const single = await exportTo(format, { segmentRows: 3, helperThread: false }, filter);
      const helped = await exportTo(format, { segmentRows: 3, helperThread: true }, filter);
      expect(helped.result.rowsFormattedInJs).toBe(0);
      expect(helped.result.rowsFromHelper).toBeGreaterThan(0);
      expect(helped.text).toBe(single.text);
      expectSameAsReference(format, helped.text, referenceRows(fx.file, `event_type <> '${OUT_OF_RANGE}'`));
    });
  }

  it('renders large payloads in pages that fit the memory budget, byte for byte', async () => {
    const big = await openLogFixture();
    const payload = (i: number) => ({ i, blob: `${'x'.repeat(20_000)}"${i},\n${'ü'.repeat(20_000)}` });
    for (let i = 0; i < 120; i += 1) await big.writer.createSocketLog(entry({ eventData: payload(i), requestData: payload(i + 1), responseData: payload(i + 2) }));
    await big.close();
    const file = path.join(big.dataDir, 'switchboard.db');
    for (const format of ['ndjson', 'csv'] as const) {
      const outFile = path.join(tempDir(), `big.${format}`);
      const result = await exportLog({ file, keys: big.keys, format, filter: {}, outFile, createdBy: 'test' });
      expect(result.rows).toBe(120);
      expect(expectSameAsReference(format, fs.readFileSync(outFile, 'utf8'), referenceRows(file))).toBe(0);
    }
  });
});
