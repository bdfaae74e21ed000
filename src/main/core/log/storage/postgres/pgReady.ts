import type { Logger } from 'pino';
import { StartupRefusal } from '../../../startupRefusal';
import type { PgDatabase } from './pgDatabase';
import { ensureDailyPartitions, pendingPostgresMigrations } from './pgMigrations';

/** A URL as it may appear in a message: without its password. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return '(unparseable URL)';
  }
}

/**
 * Refuses to start, with a sentence, when the cluster's PostgreSQL does not
 * answer or its schema lacks a migration this build needs.
 */
export async function checkPostgresSchema(pg: PgDatabase, url: string): Promise<void> {
  let pending: string[];
  try {
    pending = await pendingPostgresMigrations(pg.db);
  } catch (err) {
    throw new StartupRefusal('CLUSTER_UNREACHABLE', `Cannot start in cluster mode: PostgreSQL at ${redactUrl(url)} did not answer (${(err as Error).message}). Check the URL and that the server is up.`);
  }
  if (pending.length > 0) {
    throw new StartupRefusal('CLUSTER_SCHEMA_BEHIND', `Cannot start in cluster mode: the PostgreSQL schema lacks ${pending.join(', ')}. Run "switchboard migrate --postgres-url URL" once, then start the nodes.`);
  }
}

const PARTITION_CHECK_MS = 60 * 60_000;

/** Creates the next days' log partitions now and hourly (any node may; pgMigrations.ts serialises them). Returns the stop. */
export async function startDailyPartitions(pg: PgDatabase, logger: Logger): Promise<() => void> {
  await ensureDailyPartitions(pg.db, Date.now());
  const timer = setInterval(() => {
    ensureDailyPartitions(pg.db, Date.now()).catch((err: unknown) => logger.error({ err }, 'could not create the next days\' socket log partitions'));
  }, PARTITION_CHECK_MS);
  timer.unref();
  return () => clearInterval(timer);
}
