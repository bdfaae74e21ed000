import path from 'node:path';
import type { RetentionResult } from '../../core/log/storage/LogStorage';
import { createRetention } from '../../core/log/integrity/retention';
import { parseFlags, UsageError } from '../args';
import type { CliCommand } from '../command';
import { openStandaloneLog } from '../../core/log/standalone';
import { clusterPostgresUrl } from '../accountStore';
import { openClusterLogCli } from '../clusterLog';
import { defaultDataDir } from './serve';

/** Runs retention on the data directory's SQLite log, or the cluster's PostgreSQL one (whole days: partitions), and records it in the access log. */
async function archiveAndDelete(v: { 'data-dir'?: string; 'postgres-url'?: string; actor?: string }, days: number): Promise<RetentionResult> {
  const postgresUrl = clusterPostgresUrl(v['postgres-url']);
  if (postgresUrl) {
    const cluster = await openClusterLogCli(postgresUrl, { actor: v.actor, dataDir: v['data-dir'] });
    try {
      const result = await cluster.storage.cleanup(days);
      await cluster.writer.recordAccess({ actor: cluster.actor, actorRole: null, channel: 'cli', query: 'retention', params: { days, archive: result.archive }, rowCount: result.deleted });
      return result;
    } finally {
      await cluster.close();
    }
  }
  const cli = await openStandaloneLog(path.resolve(v['data-dir'] ?? defaultDataDir()), v.actor);
  try {
    const retention = createRetention({
      db: cli.database.db,
      sqlite: cli.database.sqlite,
      statements: cli.writer.statements,
      key: cli.keys.mac,
      keyId: cli.keys.keyId,
      dataDir: cli.dataDir
    });
    const result = await retention.cleanupOldSocketLogs(days);
    await cli.writer.recordAccess({ actor: cli.actor, actorRole: null, channel: 'cli', query: 'retention', params: { days, archive: result.archive }, rowCount: result.deleted });
    return result;
  } finally {
    await cli.close();
  }
}

export const retentionCommand: CliCommand = {
  name: 'retention',
  summary: 'Archive socket log rows older than N days (default 90) to compressed NDJSON, then delete them.',
  usage:
    'switchboard retention [--days 90] [--data-dir DIR] [--actor NAME]\n' +
    '       switchboard retention --postgres-url URL [--days 90] [--data-dir DIR]   (a cluster: whole days; archives in DIR/archive; SWITCHBOARD_LOG_SECRET)',
  async run(argv) {
    const v = parseFlags(argv, { 'data-dir': { type: 'string' }, 'postgres-url': { type: 'string' }, actor: { type: 'string' }, days: { type: 'string', default: '90' } });
    const days = Number(v.days);
    if (!Number.isInteger(days) || days < 1) throw new UsageError('--days must be a whole number of days, at least 1.');
    const result = await archiveAndDelete(v, days);
    process.stdout.write(
      result.deleted > 0
        ? `Archived and deleted ${result.deleted} rows older than ${days} days (and ${result.deletedUpdates} update records).\nArchive: ${result.archive}\n`
        : `Nothing older than ${days} days.\n`
    );
    return 0;
  }
};
