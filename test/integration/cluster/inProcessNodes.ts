import { openPostgres } from '../../../src/main/core/log/storage/postgres/pgDatabase';
import { migratePostgres } from '../../../src/main/core/log/storage/postgres/pgMigrations';
import type { CoreConfigInput } from '../../../src/main/core/config';
import { CLUSTER_JWT_SECRET, CLUSTER_LOG_SECRET } from '../../helpers/cluster';
import { startTestCore, tempDir, type TestCore } from '../../helpers/core';
import { startPostgres, startRedis, type TestPostgres, type TestRedis } from '../../helpers/engines';

/** A throwaway PostgreSQL (migrated) and Redis that in-process cluster nodes share. */
export interface SharedEngines {
  pg: TestPostgres;
  redis: TestRedis;
  stop(): Promise<void>;
}

export async function startSharedEngines(): Promise<SharedEngines> {
  const [pg, redis] = await Promise.all([startPostgres(), startRedis()]);
  const db = openPostgres(pg.url, { max: 1 });
  try {
    await migratePostgres(db.db);
  } finally {
    await db.close();
  }
  return { pg, redis, stop: async () => void (await Promise.all([redis.stop(), pg.stop()])) };
}

/**
 * A cluster node in this test process on a fresh data directory each time:
 * whatever it knows must come from PostgreSQL, not its SQLite.
 */
export function startInProcessNode(engines: SharedEngines, nodeName: string, overrides: Partial<CoreConfigInput> = {}): Promise<TestCore> {
  return startTestCore({
    logLevel: 'warn',
    dataDir: tempDir(),
    jwtSecret: CLUSTER_JWT_SECRET,
    cluster: { enabled: true, postgresUrl: engines.pg.url, redisUrl: engines.redis.url, nodeName, logSecret: CLUSTER_LOG_SECRET },
    ...overrides
  });
}
