import { createCadSimulator, type CadSimulator } from '../../src/main/cadsim/cadSimulator';
import { demoCadOptions } from '../../src/main/cli/commands/demo';
import { openPostgres } from '../../src/main/core/log/storage/postgres/pgDatabase';
import { migratePostgres } from '../../src/main/core/log/storage/postgres/pgMigrations';
import { tempDir } from './core';
import { startHaproxy, type LocalHaproxy } from '../../src/main/clusterDemo/haproxy';
import { startPostgres, startRedis, type TestPostgres, type TestRedis } from './engines';
import { startServe, type ServeProcess } from './reliability/serve';

/**
 * A whole cluster on one machine for tests: a throwaway PostgreSQL and Redis,
 * `switchboard serve --cluster` nodes as real child processes (kill -9 hits the
 * node itself), and HAProxy in front of them with the reference settings
 * (docs/cluster/haproxy.cfg).
 */
export const CLUSTER_JWT_SECRET = 'cluster-test-jwt-secret-shared-by-every-node-0123456789';
export const CLUSTER_CAD_TOKEN = 'cluster-test-cad-token-0123456789';
export const CLUSTER_LOG_SECRET = 'cluster-test-log-secret-shared-by-every-node-0123456789';

export interface TestCluster {
  pg: TestPostgres;
  redis: TestRedis;
  cad: CadSimulator | null;
  nodes: Map<string, ServeProcess>;
  balancer: TestHaproxy;
  /** Starts another node (or a killed one again, under its name). */
  startNode(name: string): Promise<ServeProcess>;
  stop(): Promise<void>;
}

export async function startTestCluster(options: { nodes: number; env?: NodeJS.ProcessEnv; /** Node flags for every node (a benchmark's --cpu-prof). */ nodeArgs?: string[]; cad?: boolean; /** Per node: several nodes compiling from source at once on a busy machine take a while. */ startTimeoutMs?: number }): Promise<TestCluster> {
  // The CAD simulator every node is pointed at (which node holds the link is the lease's business).
  const cad = options.cad ? await createCadSimulator(demoCadOptions(CLUSTER_CAD_TOKEN)) : null;
  const cadFlags = cad ? ['--cad-url', cad.url, '--cad-token', CLUSTER_CAD_TOKEN] : [];
  const pg = await startPostgres();
  const redis = await startRedis();
  const db = openPostgres(pg.url, { max: 2 });
  await migratePostgres(db.db);
  await db.close();
  const nodes = new Map<string, ServeProcess>();
  const startNode = async (name: string) => {
    const node = await startServe({
      dataDir: tempDir(`switchboard-${name}-`),
      nodeArgs: options.nodeArgs,
      args: ['--cluster', '--postgres-url', pg.url, '--redis-url', redis.url, '--node-name', name, ...cadFlags],
      env: { SWITCHBOARD_JWT_SECRET: CLUSTER_JWT_SECRET, SWITCHBOARD_LOG_SECRET: CLUSTER_LOG_SECRET, ...options.env },
      // Several nodes compile and start at once on a busy 2-core machine: a state that comes late, not never.
      timeoutMs: options.startTimeoutMs ?? 180_000
    });
    nodes.set(name, node);
    return node;
  };
  let balancer: TestHaproxy;
  try {
    await Promise.all(Array.from({ length: options.nodes }, (_, i) => startNode(`node-${i + 1}`)));
    balancer = await startHaproxy([...nodes].map(([name, node]) => ({ name, port: node.port })));
  } catch (err) {
    // A node that refused to start must not leave the engines running behind the failed test.
    await Promise.all([...nodes.values()].map((n) => n.stop()));
    await redis.stop();
    await pg.stop();
    await cad?.close();
    throw err;
  }
  return {
    pg,
    redis,
    cad,
    nodes,
    balancer,
    startNode,
    async stop() {
      await balancer.stop();
      await Promise.all([...nodes.values()].map((n) => n.stop()));
      await redis.stop();
      await pg.stop();
      await cad?.close();
    }
  };
}

export type TestHaproxy = LocalHaproxy;

export { startHaproxy, startPostgres, startRedis };
