import path from 'node:path';
import { DateParamSchema, EventTypeSchema } from '../../../shared/contract/log';
import { exportLog } from '../../core/log/export/exporter';
import { parseFlags, UsageError } from '../args';
import type { CliCommand } from '../command';
import type { StorageExportOptions, ExportResult } from '../../core/log/storage/LogStorage';
import { openStandaloneLog } from '../../core/log/standalone';
import type { AccessEntryInput } from '../../core/log/write/writer';
import { clusterPostgresUrl } from '../accountStore';
import { openClusterLogCli } from '../clusterLog';
import { defaultDataDir } from './serve';

/** What the export needs of the log: the data directory's SQLite file, or the cluster's PostgreSQL. */
interface ExportableLog {
  actor: string;
  exportTo(options: StorageExportOptions): Promise<ExportResult>;
  writer: { recordAccess(entry: AccessEntryInput): Promise<unknown> };
  close(): Promise<void>;
}

async function openLogForCli(dataDir: string | undefined, postgresUrl: string | undefined, actor: string | undefined): Promise<ExportableLog> {
  if (postgresUrl) {
    const cluster = await openClusterLogCli(postgresUrl, { actor, dataDir });
    return { actor: cluster.actor, exportTo: (options) => cluster.storage.exportTo(options), writer: cluster.writer, close: () => cluster.close() };
  }
  const cli = await openStandaloneLog(path.resolve(dataDir ?? defaultDataDir()), actor);
  return { actor: cli.actor, exportTo: (options) => exportLog({ ...options, file: cli.database.file, keys: cli.keys }), writer: cli.writer, close: () => cli.close() };
}

const parseDate = (value: string | undefined, flag: string): number | undefined => {
  if (value === undefined) return undefined;
  const parsed = DateParamSchema.safeParse(value);
  if (!parsed.success) throw new UsageError(`${flag}: ${parsed.error.issues[0]?.message ?? 'not a date'}`);
  return parsed.data;
};

export const exportCommand: CliCommand = {
  name: 'export',
  summary: 'Export a range of the socket log to CSV or NDJSON with a signed manifest.',
  usage:
    'switchboard export --format csv|ndjson --out FILE [--from ISO] [--to ISO] [--event-type TYPE ...] [--status pending|success|failed] [--data-dir DIR | --postgres-url URL] [--actor NAME]\n' +
    '       (a cluster: --postgres-url, or SWITCHBOARD_CLUSTER=1 with SWITCHBOARD_POSTGRES_URL; both need SWITCHBOARD_LOG_SECRET)',
  async run(argv) {
    const v = parseFlags(argv, {
      'data-dir': { type: 'string' },
      'postgres-url': { type: 'string' },
      actor: { type: 'string' },
      format: { type: 'string' },
      from: { type: 'string' },
      to: { type: 'string' },
      'event-type': { type: 'string', multiple: true },
      status: { type: 'string' },
      out: { type: 'string' },
      quiet: { type: 'boolean' }
    });
    if (v.format !== 'csv' && v.format !== 'ndjson') throw new UsageError('--format must be csv or ndjson.');
    if (!v.out) throw new UsageError('--out FILE is required.');
    const from = parseDate(v.from, '--from');
    const to = parseDate(v.to, '--to');
    if (from !== undefined && to !== undefined && to < from) throw new UsageError('--to is before --from.');
    const eventTypes = v['event-type']?.flatMap((t) => t.split(',')).filter(Boolean);
    for (const t of eventTypes ?? []) {
      if (!EventTypeSchema.safeParse(t).success) throw new UsageError(`--event-type "${t}" is not a valid event type.`);
    }
    if (v.status !== undefined && !['pending', 'success', 'failed'].includes(v.status)) throw new UsageError('--status must be pending, success or failed.');
    const filter = { from, to, eventTypes: eventTypes?.length ? eventTypes : undefined, status: v.status };
    const log = await openLogForCli(v['data-dir'], clusterPostgresUrl(v['postgres-url']), v.actor);
    try {
      const outFile = path.resolve(v.out);
      const started = performance.now();
      let lastPrint = 0;
      const result = await log.exportTo({
        format: v.format,
        filter,
        outFile,
        createdBy: `${log.actor} (cli)`,
        onProgress(done, total) {
          if (v.quiet || performance.now() - lastPrint < 500) return;
          lastPrint = performance.now();
          const pct = total ? ` (${Math.min(100, Math.round((done / total) * 100))}%)` : '';
          process.stderr.write(`\rexported ${done}${total ? ` of ~${total}` : ''} rows${pct}`);
        }
      });
      await log.writer.recordAccess({
        actor: log.actor,
        actorRole: null,
        channel: 'cli',
        query: 'export',
        params: { format: v.format, from: v.from ?? null, to: v.to ?? null, event_types: eventTypes ?? null, status: v.status ?? null, out: outFile },
        rowCount: result.rows
      });
      const seconds = (performance.now() - started) / 1000;
      if (!v.quiet) process.stderr.write('\n');
      process.stdout.write(
        `Exported ${result.rows} rows (${result.bytes} bytes) to ${outFile} in ${seconds.toFixed(1)} s\nManifest: ${result.manifestFile}\n`
      );
      return 0;
    } finally {
      await log.close();
    }
  }
};
