import { deriveLogKeys } from '../../core/log/store/chain';
import { openPostgres } from '../../core/log/storage/postgres/pgDatabase';
import { ensureDailyPartitions, migratePostgres } from '../../core/log/storage/postgres/pgMigrations';
import { verifyPostgresLog } from '../../core/log/storage/postgres/pgVerify';
import { redactUrl } from '../../core/log/storage/postgres/pgReady';
import { parseFlags, UsageError } from '../args';
import type { CliCommand } from '../command';
import { EXIT, reasonOf } from '../exitCodes';

const postgresUrlOf = (flag: string | undefined): string => {
  const url = flag ?? process.env.SWITCHBOARD_POSTGRES_URL;
  if (!url) throw new UsageError('Name the cluster\'s PostgreSQL: --postgres-url postgres://user@host:5432/db (or SWITCHBOARD_POSTGRES_URL).');
  return url;
};

export const migrateCommand: CliCommand = {
  name: 'migrate',
  summary: 'Create or upgrade the cluster\'s PostgreSQL schema (run once before starting the nodes, and after each upgrade).',
  usage: 'switchboard migrate [--postgres-url URL]   (default SWITCHBOARD_POSTGRES_URL)',
  async run(argv) {
    const v = parseFlags(argv, { 'postgres-url': { type: 'string' } });
    const url = postgresUrlOf(v['postgres-url']);
    const pg = openPostgres(url, { max: 2, applicationName: 'switchboard migrate' });
    try {
      const applied = await migratePostgres(pg.db);
      const partitions = await ensureDailyPartitions(pg.db, Date.now());
      process.stdout.write(
        `${applied.length > 0 ? `Applied ${applied.join(', ')}` : 'The schema was up to date'} on ${redactUrl(url)}; ${partitions} new daily log partitions.\n`
      );
      return 0;
    } catch (err) {
      process.stderr.write(`switchboard migrate: could not migrate ${redactUrl(url)}: ${reasonOf(err)}\n`);
      return EXIT.COULD_NOT_RUN;
    } finally {
      await pg.close();
    }
  }
};

/**
 * `switchboard verify --postgres-url URL`: every node incarnation's chain and the
 * checkpoint chain, with the shared log secret (SWITCHBOARD_LOG_SECRET). Exit codes
 * as for the SQLite log: 0 verifies, 1 tampered, 3 could not run.
 */
export async function verifyClusterLog(urlFlag: string | undefined, json: boolean): Promise<number> {
  const url = postgresUrlOf(urlFlag);
  const secret = process.env.SWITCHBOARD_LOG_SECRET;
  if (!secret) throw new UsageError('Verifying the cluster\'s log needs its shared secret in SWITCHBOARD_LOG_SECRET.');
  const pg = openPostgres(url, { max: 2, applicationName: 'switchboard verify' });
  try {
    const report = await verifyPostgresLog(pg, deriveLogKeys(secret).mac);
    if (json) process.stdout.write(JSON.stringify(report, null, 2) + '\n');
    else if (report.ok) {
      process.stdout.write(`OK: ${report.rows} rows, ${report.updates} updates and ${report.access} access records in ${report.chains} node chains, sealed by ${report.checkpoints} checkpoints, verify.\n`);
    } else {
      const bad = report.firstBad!;
      process.stdout.write(`FAILED: ${bad.reason}: chain ${bad.chain}, link ${bad.seq}${bad.logId !== null ? `, row ${bad.logId}` : ''}.\n`);
    }
    return report.ok ? EXIT.OK : EXIT.FAILED;
  } catch (err) {
    process.stderr.write(`switchboard verify: could not read ${redactUrl(url)}: ${reasonOf(err)}; nothing was concluded about tampering.\n`);
    return EXIT.COULD_NOT_RUN;
  } finally {
    await pg.close();
  }
}
