/**
 * Export rate and peak memory: the real exporter (paged keyset reads from a
 * read snapshot, backpressured file writes, hash, signed manifest) vs a bare
 * better-sqlite3 iterate() that writes NDJSON with no paging or yielding.
 * The fixture is built in a child process so this process's memory is the export's.
 *   npx tsx bench/log/export.bench.ts           (LOG_BENCH_EXPORT_ROWS=1000000)
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import Sqlite from 'better-sqlite3';
import { report, round } from '../lib/report';
import { deriveLogKeys } from '../../src/main/core/log/chain';
import { exportLog } from '../../src/main/core/log/exporter';

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
  const keys = deriveLogKeys('bench-key-bench-key-bench-key-bench');
  const rssBefore = process.memoryUsage().rss / 1024 / 1024;

  const runs: Record<string, Awaited<ReturnType<typeof measure>>> = {};
  for (const format of ['csv', 'ndjson'] as const) {
    runs[format] = await measure(() => exportLog({ file, keys, format, filter: {}, outFile: path.join(dataDir, `out.${format}`), createdBy: 'bench' }));
  }
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
    return rows;
  });
  const csv = runs.csv!;
  const nd = runs.ndjson!;
  const rate = (r: typeof csv) => N / r.seconds;
  report('log-export', { rows: N, rss_before_mb: round(rssBefore, 1), page_rows: 5000 }, [
    { metric: 'export CSV rows/s', value: round(rate(csv), 0), baseline: round(N / bare.seconds, 0), ratio: rate(csv) / (N / bare.seconds), target: '>= 200k rows/s', pass: rate(csv) >= 200_000 },
    { metric: 'export NDJSON rows/s', value: round(rate(nd), 0), baseline: round(N / bare.seconds, 0), ratio: rate(nd) / (N / bare.seconds), target: '>= 200k rows/s', pass: rate(nd) >= 200_000 },
    { metric: 'peak RSS during CSV export, MB', value: round(csv.peakMb, 1), target: '< 200 MB', pass: csv.peakMb < 200 },
    { metric: 'peak RSS during NDJSON export, MB', value: round(nd.peakMb, 1), target: '< 200 MB', pass: nd.peakMb < 200 },
    { metric: 'bare iterate() NDJSON rows/s (no paging, no yielding, no hash)', value: round(N / bare.seconds, 0) },
    { metric: 'export file bytes per row (CSV)', value: round(fs.statSync(path.join(dataDir, 'out.csv')).size / N, 1) }
  ]);
  fs.rmSync(dataDir, { recursive: true, force: true });
})();
