import { randomBytes } from 'node:crypto';
import type { CoreConfigInput } from '../../src/main/core/config';
import { openPostgres } from '../../src/main/core/log/storage/postgres/pgDatabase';
import { migratePostgres } from '../../src/main/core/log/storage/postgres/pgMigrations';
import { startPostgres, startRedis, type TestPostgres, type TestRedis } from './engines';

/**
 * Which deployment shape the suites run against. The same test files run in
 * both: `single` (the default: one node on SQLite) and `cluster`
 * (SWITCHBOARD_TEST_MODE=cluster: every core the test starts is a one-node
 * cluster on PostgreSQL and Redis). The vitest project `integration-cluster`
 * sets it for the files listed in test/clusterModeFiles.mjs.
 */
export type TestMode = 'single' | 'cluster';

export const TEST_MODE: TestMode = process.env.SWITCHBOARD_TEST_MODE === 'cluster' ? 'cluster' : 'single';

/** Shared by every node of every cluster in cluster mode (tests sign tokens with it). */
export const MODE_JWT_SECRET = 'test-mode-jwt-secret-shared-by-every-node-0123456789abcdef';
export const MODE_LOG_SECRET = 'test-mode-log-secret-shared-by-every-node-0123456789abcdef';

const TEMPLATE_DB = 'switchboard_migrated';

interface ModeEngines {
  pg: TestPostgres;
  redis: TestRedis[];
}

let engines: Promise<ModeEngines> | null = null;
let databases = 0;

/** One PostgreSQL server per test file, with a migrated template database each core copies. */
function modeEngines(): Promise<ModeEngines> {
  engines ??= (async () => {
    const pg = await startPostgres();
    await pg.query(`CREATE DATABASE ${TEMPLATE_DB}`);
    const db = openPostgres(pg.url.replace(/\/postgres$/, `/${TEMPLATE_DB}`), { max: 2 });
    try {
      await migratePostgres(db.db);
    } finally {
      await db.close();
    }
    return { pg, redis: [] };
  })();
  return engines;
}

/** Called after each file by test/helpers/clusterModeSetup.ts (a setup file of the cluster project). */
export async function stopModeEngines(): Promise<void> {
  if (!engines) return;
  const { pg, redis } = await engines;
  engines = null;
  configByDataDir.clear();
  await Promise.all(redis.map((r) => r.stop()));
  await pg.stop();
}

/** A data directory's cluster settings, so a core restarted on it finds its database again, as on SQLite. */
const configByDataDir = new Map<string, Partial<CoreConfigInput>>();

/**
 * The configuration that turns a test's core into a one-node cluster: its own
 * fresh database (a copy of the migrated template, so every core starts with an
 * empty log as it does on SQLite) and its own Redis; the same ones again for a
 * core restarted on the same data directory. Empty in single mode.
 */
export async function modeCoreConfig(dataDir: string): Promise<Partial<CoreConfigInput>> {
  if (TEST_MODE !== 'cluster') return {};
  const known = configByDataDir.get(dataDir);
  if (known && engines) return known;
  const { pg, redis } = await modeEngines();
  const name = `switchboard_test_${++databases}_${randomBytes(3).toString('hex')}`;
  await pg.query(`CREATE DATABASE ${name} TEMPLATE ${TEMPLATE_DB}`);
  const ownRedis = await startRedis();
  redis.push(ownRedis);
  const config: Partial<CoreConfigInput> = {
    jwtSecret: MODE_JWT_SECRET,
    cluster: {
      enabled: true,
      postgresUrl: pg.url.replace(/\/postgres$/, `/${name}`),
      redisUrl: ownRedis.url,
      nodeName: `test-node-${databases}`,
      logSecret: MODE_LOG_SECRET
    }
  };
  configByDataDir.set(dataDir, config);
  return config;
}

/**
 * Makes `newDataDir` a second node of the cluster the core on `dataDir` belongs
 * to (same database, Redis and secrets, its own node name): a core started on it
 * joins that cluster. Cluster mode only.
 */
export function joinClusterOf(dataDir: string, newDataDir: string, nodeName: string): void {
  const known = configByDataDir.get(dataDir);
  if (!known?.cluster) throw new Error(`no cluster-mode core was started on ${dataDir}`);
  configByDataDir.set(newDataDir, { ...known, cluster: { ...known.cluster, nodeName } });
}

/** A test title that says which mode it ran in, so a failure report names the shape. */
export function inMode(title: string): string {
  return TEST_MODE === 'single' ? title : `${title} [${TEST_MODE}]`;
}
