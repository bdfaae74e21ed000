import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** Percentile of a list of numbers (nearest-rank); 0 for an empty list. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank] ?? 0;
}

/** The middle value of the finite numbers (the mean of the middle two of an even count); NaN for none. */
export function median(values: readonly number[]): number {
  const sorted = values.filter(Number.isFinite).sort((a, b) => a - b);
  if (sorted.length === 0) return NaN;
  const mid = sorted.length / 2;
  return Number.isInteger(mid) ? (sorted[mid - 1]! + sorted[mid]!) / 2 : sorted[Math.floor(mid)]!;
}

export function latencySummary(values: readonly number[]) {
  return {
    count: values.length,
    p50: round(percentile(values, 50)),
    p95: round(percentile(values, 95)),
    p99: round(percentile(values, 99)),
    // A loop, not Math.max(...values): spreading 130k latencies (13k/s for 10 s) overflows the stack.
    max: round(values.reduce((m, v) => (v > m ? v : m), values.length ? -Infinity : 0))
  };
}

export const round = (n: number, digits = 2): number => Math.round(n * 10 ** digits) / 10 ** digits;

export function machineInfo() {
  const pkg = JSON.parse(fs.readFileSync(path.join(__dirname, '../../package.json'), 'utf8')) as {
    devDependencies: Record<string, string>;
    dependencies: Record<string, string>;
  };
  const deps = { ...pkg.dependencies, ...pkg.devDependencies };
  return {
    hostname: os.hostname(),
    cpus: os.cpus().length,
    cpu_model: os.cpus()[0]?.model ?? 'unknown',
    memory_gb: round(os.totalmem() / 1024 ** 3, 1),
    platform: `${os.platform()} ${os.release()}`,
    node: process.version,
    /** 1, 5 and 15 minute load averages when the result was written: on a shared machine, what else was running. */
    load_average: os.loadavg().map((l) => round(l, 2)),
    versions: {
      'socket.io': deps['socket.io'],
      'better-sqlite3': deps['better-sqlite3'],
      kysely: deps.kysely,
      fastify: deps.fastify
    }
  };
}

export interface BenchRow {
  metric: string;
  value: number | string;
  baseline?: number | string;
  /** value / baseline where that means something, as a fraction. */
  ratio?: number;
  target?: string;
  pass?: boolean;
}

/** Prints a side-by-side table and writes bench/results/<name>.json. */
export function report(name: string, parameters: Record<string, unknown>, rows: BenchRow[]): void {
  const header = ['metric', 'switchboard', 'baseline', 'ratio', 'target', 'ok'];
  const lines = rows.map((r) => [
    r.metric,
    String(r.value),
    r.baseline === undefined ? '' : String(r.baseline),
    r.ratio === undefined ? '' : `${round(r.ratio * 100, 1)}%`,
    r.target ?? '',
    r.pass === undefined ? '' : r.pass ? 'yes' : 'NO'
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i]?.length ?? 0)));
  const fmt = (cols: string[]) => cols.map((c, i) => c.padEnd(widths[i] ?? 0)).join('  ');
  console.log(`\n== ${name} ==`);
  console.log(fmt(header));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  lines.forEach((l) => console.log(fmt(l)));
  const out = path.join(__dirname, '../results', `${name}.json`);
  fs.mkdirSync(path.dirname(out), { recursive: true });
  fs.writeFileSync(
    out,
    JSON.stringify({ name, date: new Date().toISOString(), machine: machineInfo(), parameters, figures: rows }, null, 2) + '\n'
  );
  console.log(`results: ${path.relative(process.cwd(), out)}`);
}
