import { sql, type AliasedRawBuilder, type RawBuilder } from 'kysely';
import { EXPORT_COLUMNS, type ExportColumn, type ExportFormat } from './exportFormat';

/**
 * SQLite renders the export's text itself (one line per row, concatenated into
 * one blob per page), so JS never materialises the 24 values of a row: that
 * was most of the export's cost. The text must be byte-for-byte what
 * formatLine() (exportFormat.ts, the reference) prints; exportFormat.test.ts
 * compares the two on hostile values.
 *
 * SQLite-specific SQL (printf, datetime, json_quote, concat, GLOB, unicode):
 * it stays in the log data layer and only the exporter uses it. A PostgreSQL
 * deployment needs its own version of these expressions (or formatLine).
 *
 * The cost is SQL function calls per row, so each line is one concat() whose
 * arguments are mostly literals and columns (it skips NULL arguments), and the
 * expensive parts needed more than once are columns of the page subquery,
 * computed once per row (SQLite does not share common subexpressions). Each
 * choice here was measured against its alternatives, not guessed.
 *
 * Where SQL cannot match JS (a time outside years 0000-9999, an integer beyond
 * 2^53, a real below 1e-6 or from 1e15 up) the row's `fits` is 0 and the
 * exporter formats that page with formatLine. Text columns are not type-checked
 * per row (13 typeof() calls cost a tenth of the export): the writer binds only
 * strings there; a BLOB put there by editing the database makes json_quote()
 * fail the NDJSON export and is written as its bytes in CSV (verify reports the edit).
 */

type Kind = 'int' | 'text' | 'json' | 'real' | 'time' | 'bool' | 'mac';

/** How each exported column is stored (tables.ts, migration 002); the Record makes TS check every column has one. */
const KIND: Record<ExportColumn, Kind> = {
  id: 'int',
  event_type: 'text',
  socket_id: 'text',
  user_id: 'text',
  user_role: 'text',
  event_data: 'json',
  request_data: 'json',
  response_data: 'json',
  patient_latitude: 'real',
  patient_longitude: 'real',
  hospital_id: 'text',
  hospital_name: 'text',
  distance_km: 'real',
  status: 'text',
  error_message: 'text',
  processed: 'bool',
  created_at: 'time',
  processed_at: 'time',
  response_time_ms: 'int',
  ip_address: 'text',
  user_agent: 'text',
  session_duration: 'int',
  version: 'int',
  mac: 'mac'
};
/** NOT NULL in the schema: their null branches are left out. */
const NOT_NULL = new Set<ExportColumn>(['id', 'event_type', 'socket_id', 'status', 'processed', 'created_at', 'version', 'mac']);
const columnsOf = (kind: Kind) => EXPORT_COLUMNS.filter((c) => KIND[c] === kind);

type Sql = RawBuilder<unknown>;
/** A concat() argument: literal text, or an expression (NULL adds nothing). */
type Part = string | Sql;
const ref = (c: string): Sql => sql.ref(c);
const nano = (c: string) => ref(`${c}_nano`);

/**
 * 1 when SQL renders the row exactly. JS Numbers hold integers exactly up to
 * 2^53 only; toISOString prints 4-digit years for 0000-9999 only; JS prints
 * reals in fixed notation from 1e-6 to 1e21, and SQLite's printf digits were
 * checked against JS over millions of doubles there (they go wrong at extreme
 * exponents), with 1e15 keeping %g in fixed notation too. Numbers of the wrong
 * kind (a fraction in an integer column, text in a number column) do not fit.
 */
function fitsSql(): Sql {
  const checks = EXPORT_COLUMNS.flatMap((c): Sql[] => {
    const v = ref(c);
    const orNull = (check: Sql) => (NOT_NULL.has(c) ? [check] : [sql`(${v} IS NULL OR ${check})`]);
    // Comparisons only (text and BLOBs compare above every number), except one typeof(): these run for every row.
    const integer = sql`CAST(${v} AS INTEGER) = ${v}`;
    if (KIND[c] === 'int') return orNull(sql`${v} BETWEEN -9007199254740991 AND 9007199254740991 AND ${integer}`);
    if (KIND[c] === 'real') return orNull(sql`${v} > -1e15 AND ${v} < 1e15 AND (${v} >= 1e-6 OR ${v} <= -1e-6 OR ${v} = 0)`);
    if (KIND[c] === 'time') return orNull(sql`${v} BETWEEN -62167219200000 AND 253402300799999 AND ${integer}`);
    if (KIND[c] === 'bool') return [sql`${v} IN (0, 1)`];
    if (KIND[c] === 'mac') return [sql`typeof(${v}) = 'blob'`];
    return [];
  });
  return sql`(${sql.join(checks, sql` AND `)})`;
}

/** Milliseconds within the second, floor division so times before 1970 work too (integer arithmetic only). */
const milliSql = (ms: Sql): Sql => sql`((${ms} % 1000 + 1000) % 1000)`;
/** toISOString() up to the seconds: datetime() is twice as fast as strftime(). */
const isoSecondsSql = (ms: Sql): Sql => sql`replace(datetime((${ms} - ${milliSql(ms)}) / 1000, 'unixepoch'), ' ', 'T')`;
const isoMilliSql = (ms: Sql): Sql => sql`substr(1000 + ${milliSql(ms)}, 2)`;

/**
 * |x| * 1e9 rounded, when |x| < 1e6 and that is x exactly at 9 decimals (the
 * usual coordinate or distance), else NULL. IEEE division rounds correctly, as
 * parsing a decimal does, so nano / 1e9 = |x| means the decimal nano * 10^-9
 * parses to x; x's spacing is below 1e-9 there, so no shorter decimal does:
 * it is what JS prints. Arithmetic only, no printf().
 */
const nanoSql = (c: string): Sql => {
  const v = ref(c);
  const units = sql`CAST(iif(${v} < 0, -${v}, ${v}) * 1e9 + 0.5 AS INTEGER)`;
  return sql`CASE WHEN ${v} > -1e6 AND ${v} < 1e6 AND ${units} / 1e9 = iif(${v} < 0, -${v}, ${v}) THEN ${units} END`;
};

/**
 * `String(x)` for the other reals: the shortest digits that parse back to x.
 * %.15g first (JS prints the same when 15 digits round-trip), then 16 and 17,
 * keeping the first that casts back to x. With 17 digits SQLite's last digit
 * sometimes differs from JS's but still parses back to the same double.
 * JS prints 1e-6 <= |x| < 1e-4 in fixed notation where %g has an exponent
 * (5e-05): there the same cascade runs with %f, P significant digits being
 * P + 4 or P + 5 decimals, trailing zeros trimmed.
 */
const shortestSql = (c: string): Sql => {
  const v = ref(c);
  const g = (format: string) => sql`printf(${sql.lit(format)}, ${v})`;
  const f = (digits: number, flags = '') => sql`rtrim(printf(${sql.lit(`%${flags}.*f`)}, ${sql.raw(String(digits))} + iif(abs(${v}) >= 1e-5, 4, 5), ${v}), '0')`;
  const cascade = (p15: Sql, p16: Sql, p17: Sql) =>
    sql`CASE WHEN CAST(${p15} AS REAL) = ${v} THEN ${p15} WHEN CAST(${p16} AS REAL) = ${v} THEN ${p16} ELSE ${p17} END`;
  return sql`CASE WHEN abs(${v}) >= 1e-4 THEN ${cascade(g('%.15g'), g('%.16g'), g('%!.17g'))} ELSE ${cascade(f(15), f(16), f(17, '!'))} END`;
};

/** A real as concat() arguments: sign, integer part, '.', fraction digits from nano; else shortestSql. -0 prints as 0, as in JS. */
const realParts = (c: string, nullText: string): Part[] => {
  const v = ref(c);
  const fraction = sql`${nano(c)} % 1000000000`;
  const head = sql`CASE WHEN ${nano(c)} IS NOT NULL THEN iif(${v} < 0, '-', '') WHEN ${v} IS NULL THEN ${sql.lit(nullText)} ELSE ${shortestSql(c)} END`;
  return [head, sql`${nano(c)} / 1000000000`, sql`CASE WHEN ${fraction} THEN '.' END`, sql`CASE WHEN ${fraction} THEN rtrim(substr(1000000000 + ${fraction}, 2), '0') END`];
};

/** processed_at usually equals created_at (processed on insert): then the created_at text computed once per row is reused. */
const timeParts = (c: ExportColumn, quote: string, nullText: string): Part[] => {
  if (c === 'created_at') return [quote, ref('created_seconds'), '.', ref('created_milli'), `Z${quote}`];
  const v = ref(c);
  const isNull = sql`${v} IS NULL`;
  return [
    sql`CASE WHEN ${isNull} THEN ${sql.lit(nullText)} ELSE ${sql.lit(quote)} END`,
    sql`CASE WHEN ${v} = created_at THEN created_seconds WHEN NOT ${isNull} THEN ${isoSecondsSql(v)} END`,
    sql`CASE WHEN NOT ${isNull} THEN '.' END`,
    sql`CASE WHEN ${v} = created_at THEN created_milli WHEN NOT ${isNull} THEN ${isoMilliSql(v)} END`,
    sql`CASE WHEN NOT ${isNull} THEN ${sql.lit(`Z${quote}`)} END`
  ];
};

/** csvCell() for a text: a formula prefix (= + - @ TAB CR get a leading '), then quotes when it holds " , CR or LF. */
const formulaSafe = (v: Sql): Sql => sql`iif(unicode(${v}) IN (61, 43, 45, 64, 9, 13), concat(${sql.lit("'")}, ${v}), ${v})`;
/** NULL for NULL, which concat() skips: an empty cell. instr(), unlike GLOB or printf('%s'), reads past a NUL. */
const csvCellSql = (v: Sql): Sql =>
  sql`CASE WHEN instr(${v}, '"') OR instr(${v}, ',') OR instr(${v}, char(13)) OR instr(${v}, char(10)) THEN concat('"', replace(${formulaSafe(v)}, '"', '""'), '"') ELSE ${formulaSafe(v)} END`;

function valueParts(format: ExportFormat, c: ExportColumn, plain: boolean): Part[] {
  const v = ref(c);
  const ndjson = format === 'ndjson';
  switch (KIND[c]) {
    case 'int':
      return [ndjson && !NOT_NULL.has(c) ? sql`coalesce(${v}, 'null')` : v];
    case 'real':
      return realParts(c, ndjson ? 'null' : '');
    case 'time':
      return timeParts(c, ndjson ? '"' : '', ndjson ? 'null' : '');
    case 'bool':
      return [sql`iif(${v}, 'true', 'false')`];
    case 'mac':
      return ndjson ? ['"', sql`lower(hex(${v}))`, '"'] : [sql`lower(hex(${v}))`];
    case 'json':
      return [ndjson ? sql`coalesce(${v}, 'null')` : csvCellSql(v)];
    default:
      // json_quote() escapes exactly what JSON.stringify() escapes (checked for every code point).
      if (ndjson) return [sql`json_quote(${v})`];
      return [plain ? v : csvCellSql(v)];
  }
}

const concatSql = (parts: Part[]): Sql => {
  const merged: Part[] = [];
  for (const part of parts) {
    const last = merged[merged.length - 1];
    if (typeof part === 'string' && typeof last === 'string') merged[merged.length - 1] = last + part;
    else if (part !== '') merged.push(part);
  }
  return sql`concat(${sql.join(merged.map((p) => (typeof p === 'string' ? sql.lit(p) : p)))})`;
};

/**
 * Whether the row's CSV text cells can go out as they are, checked on `texts`
 * (the cells, each after a \x7f) in three scans instead of five calls per
 * cell: json_quote() escapes " CR LF (and NUL, backslash, other controls,
 * which send the row cell by cell too) so the length tells; then no comma,
 * and no cell starting with a formula character. For NDJSON a check like this
 * costs more than the json_quote() calls it would save.
 */
const csvPlainSql = (): Sql => {
  const t = ref('texts');
  return sql`(octet_length(json_quote(${t})) = octet_length(${t}) + 2 AND NOT instr(${t}, ',') AND NOT ${t} GLOB ${sql.lit('*\x7f[-=+@\t\r]*')})`;
};

/** One output line, newline included, over the page subquery's columns (pageColumnsSql). */
export function lineSql(format: ExportFormat): Sql {
  const line = (plain: boolean) => {
    const parts: Part[] = [];
    EXPORT_COLUMNS.forEach((c, i) => {
      if (format === 'ndjson') parts.push(`${i ? ',' : '{'}"${c}":`);
      else if (i) parts.push(',');
      parts.push(...valueParts(format, c, plain));
    });
    parts.push(format === 'ndjson' ? '}\n' : '\n');
    return concatSql(parts);
  };
  return format === 'ndjson' ? line(false) : sql`CASE WHEN ${csvPlainSql()} THEN ${line(true)} ELSE ${line(false)} END`;
}

/** What the page subquery computes once per row for lineSql. */
export function pageColumnsSql(format: ExportFormat): Array<AliasedRawBuilder<unknown, string>> {
  const texts = sql`concat(${sql.join(columnsOf('text').flatMap((c) => [sql`char(127)`, ref(c)]))})`;
  return [
    fitsSql().as('fits'),
    isoSecondsSql(ref('created_at')).as('created_seconds'),
    isoMilliSql(ref('created_at')).as('created_milli'),
    ...columnsOf('real').map((c) => nanoSql(c).as(`${c}_nano`)),
    ...(format === 'csv' ? [texts.as('texts')] : [])
  ];
}
