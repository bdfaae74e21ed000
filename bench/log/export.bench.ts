/**
 * Export rate and peak memory: the real exporter (SQLite renders each page's
 * text, a helper thread renders every other segment on its own snapshot,
 * backpressured file writes, hash, signed manifest), the same on one thread,
 * and a bare better-sqlite3 iterate() that writes JSON.stringify NDJSON with no
 * paging, yielding or hash.
 * The fixture is built in a child process so this process's memory is the export's.
 *   npx tsx bench/log/export.bench.ts           (LOG_BENCH_EXPORT_ROWS=1000000)
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import Sqlite from 'better-sqlite3';
import { report, round } from '../lib/report';
import { deriveLogKeys } from '../../src/main/core/log/store/chain';
import { exportLog, type ExportFormat, type ExportResult } from '../../src/main/core/log/export/exporter';
import { SEGMENT_ROWS } from '../../src/main/core/log/export/exportPages';

const N = Number(process.env.LOG_BENCH_EXPORT_ROWS ?? 1_000_000);

async function measure<T>(fn: () => Promise<T>) {
  let peak = process.memoryUsage().rss;
  const timer = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 20);
  const t = performance.now();
  const value = await fn();
  const seconds = (performance.now() - t) / 1000;
  clearInterval(timer);
  peak = Math.max(peak, process.memoryUsage().rss);
  return { value, seconds, peakMb: peak / 1024 / 1024 };
}

void (async () => {
  if (process.argv[2] === '--build') {
    const { buildFixture } = await import('./fixture');
    const { database, dataDir } = await buildFixture(Number(process.argv[3]), 30);
    await database.close();
    process.stdout.write(dataDir);
    return;
  }
  const dataDir = execFileSync(process.execPath, ['--import', 'tsx', __filename, '--build', String(N)], { encoding: 'utf8' }).trim();
  const file = path.join(dataDir, 'switchboard.db');
  // The fixture on disk before timing, and each run's output gone after it: otherwise the
  // kernel writes the previous step's hundreds of MB back to disk during the next timed run.
  const fd = fs.openSync(file, 'r+');
  fs.fsyncSync(fd);
  fs.closeSync(fd);
  const keys = deriveLogKeys('bench-key-bench-key-bench-key-bench');
  const rssBefore = process.memoryUsage().rss / 1024 / 1024;

  type Run = Awaited<ReturnType<typeof measure<ExportResult>>>;
  let csvBytes = 0;
  const run = async (format: ExportFormat, helperThread?: boolean): Promise<Run> => {
    const outFile = path.join(dataDir, `out.${format}`);
    const result = await measure(() => exportLog({ file, keys, format, filter: {}, outFile, createdBy: 'bench', tuning: { helperThread } }));
    if (format === 'csv') csvBytes = result.value.bytes;
    fs.rmSync(outFile);
    return result;
  };
  const runs: Record<string, Run> = {};
  for (const format of ['csv', 'ndjson'] as const) runs[format] = await run(format);
  for (const format of ['csv', 'ndjson'] as const) runs[`${format}-1`] = await run(format, false);
  const bare = await measure(async () => {
    const db = new Sqlite(file, { readonly: true });
    const out = fs.openSync(path.join(dataDir, 'bare.ndjson'), 'w');
    let rows = 0;
    let buf = '';
    for (const row of db.prepare('SELECT * FROM socket_logs ORDER BY created_at, id').iterate() as Iterable<Record<string, unknown>>) {
      buf += JSON.stringify({ ...row, mac: (row.mac as Buffer).toString('hex') }) + '\n';
      rows += 1;
      if (buf.length > 1 << 20) {
        fs.writeSync(out, buf);
        buf = '';
      }
    }
    fs.writeSync(out, buf);
    fs.closeSync(out);
    db.close();
    fs.rmSync(path.join(dataDir, 'bare.ndjson'));
    return rows;
  });
  const base = N / bare.seconds;
  const rate = (r: Run) => N / r.seconds;
  const share = (r: Run) => round(r.value.rowsFromHelper / r.value.rows, 2);
  const csv = runs.csv!;
  const nd = runs.ndjson!;
  report('log-export', { rows: N, rss_before_mb: round(rssBefore, 1), segment_rows: SEGMENT_ROWS, helper_share_csv: share(csv), helper_share_ndjson: share(nd) }, [
    { metric: 'export CSV rows/s', value: round(rate(csv), 0), baseline: round(base, 0), ratio: rate(csv) / base, target: '>= 200k rows/s', pass: rate(csv) >= 200_000 },
    { metric: 'export NDJSON rows/s', value: round(rate(nd), 0), baseline: round(base, 0), ratio: rate(nd) / base, target: '>= 200k rows/s', pass: rate(nd) >= 200_000 },
    { metric: 'peak RSS during CSV export, MB', value: round(csv.peakMb, 1), target: '< 200 MB', pass: csv.peakMb < 200 },
    { metric: 'peak RSS during NDJSON export, MB', value: round(nd.peakMb, 1), target: '< 200 MB', pass: nd.peakMb < 200 },
    { metric: 'export CSV rows/s, main thread only', value: round(rate(runs['csv-1']!), 0), baseline: round(base, 0), ratio: rate(runs['csv-1']!) / base },
    { metric: 'export NDJSON rows/s, main thread only', value: round(rate(runs['ndjson-1']!), 0), baseline: round(base, 0), ratio: rate(runs['ndjson-1']!) / base },
    { metric: 'bare iterate() NDJSON rows/s (no paging, no yielding, no hash)', value: round(base, 0) },
    { metric: 'peak RSS during bare iterate(), MB', value: round(bare.peakMb, 1) },
    { metric: 'rows formatted in JS (values SQL cannot render exactly)', value: csv.value.rowsFormattedInJs + nd.value.rowsFormattedInJs },
    { metric: 'export file bytes per row (CSV)', value: round(csvBytes / N, 1) }
  ]);
  fs.rmSync(dataDir, { recursive: true, force: true });
})();
