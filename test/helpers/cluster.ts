import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { openPostgres } from '../../src/main/core/log/storage/postgres/pgDatabase';
import { migratePostgres } from '../../src/main/core/log/storage/postgres/pgMigrations';
import { tempDir } from './core';
import { freePort, startPostgres, startRedis, stopChild, type TestPostgres, type TestRedis } from './engines';
import { startServe, type ServeProcess } from './reliability/serve';
import { waitFor } from './waitFor';

/**
 * A whole cluster on one machine for tests: a throwaway PostgreSQL and Redis,
 * `switchboard serve --cluster` nodes as real child processes (kill -9 hits the
 * node itself), and HAProxy in front of them with the reference settings
 * (docs/cluster/haproxy.cfg).
 */
export const CLUSTER_JWT_SECRET = 'cluster-test-jwt-secret-shared-by-every-node-0123456789';
export const CLUSTER_LOG_SECRET = 'cluster-test-log-secret-shared-by-every-node-0123456789';

export interface TestCluster {
  pg: TestPostgres;
  redis: TestRedis;
  nodes: Map<string, ServeProcess>;
  balancer: TestHaproxy;
  /** Starts another node (or a killed one again, under its name). */
  startNode(name: string): Promise<ServeProcess>;
  stop(): Promise<void>;
}

export async function startTestCluster(options: { nodes: number; env?: NodeJS.ProcessEnv; /** Per node: several nodes compiling from source at once on a busy machine take a while. */ startTimeoutMs?: number }): Promise<TestCluster> {
  const pg = await startPostgres();
  const redis = await startRedis();
  const db = openPostgres(pg.url, { max: 2 });
  await migratePostgres(db.db);
  await db.close();
  const nodes = new Map<string, ServeProcess>();
  const startNode = async (name: string) => {
    const node = await startServe({
      dataDir: tempDir(`switchboard-${name}-`),
      args: ['--cluster', '--postgres-url', pg.url, '--redis-url', redis.url, '--node-name', name],
      env: { SWITCHBOARD_JWT_SECRET: CLUSTER_JWT_SECRET, SWITCHBOARD_LOG_SECRET: CLUSTER_LOG_SECRET, ...options.env },
      timeoutMs: options.startTimeoutMs
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
    throw err;
  }
  return {
    pg,
    redis,
    nodes,
    balancer,
    startNode,
    async stop() {
      await balancer.stop();
      await Promise.all([...nodes.values()].map((n) => n.stop()));
      await redis.stop();
      await pg.stop();
    }
  };
}

export interface TestHaproxy {
  url: string;
  pid: number;
  stop(): Promise<void>;
}

const referenceConfig = path.join(__dirname, '..', '..', 'docs', 'cluster', 'haproxy.cfg');

/**
 * HAProxy with the reference configuration, its ports and servers filled in for
 * this machine. Ready when it accepts connections and sees a live backend.
 */
export async function startHaproxy(backends: Array<{ name: string; port: number }>): Promise<TestHaproxy> {
  const port = await freePort();
  const dir = tempDir('switchboard-haproxy-');
  const servers = backends.map((b) => `    server ${b.name} 127.0.0.1:${b.port} check cookie ${b.name}`).join('\n');
  const config = fs
    .readFileSync(referenceConfig, 'utf8')
    .replace(/^\s*bind .*$/m, `    bind 127.0.0.1:${port}`)
    .replace(/^\s*server .*$/gm, '')
    .replace(/# servers:.*$/m, servers)
    // A test machine's file limit is lower than a production balancer's; no syslog, no daemon here.
    .replace(/^\s*maxconn \d+$/m, '    maxconn 2000')
    .replace(/^\s*(log|option httplog|stats socket|chroot|user|group|daemon)\b.*$/gm, '');
  const file = path.join(dir, 'haproxy.cfg');
  fs.writeFileSync(file, config);
  const child: ChildProcess = spawn('haproxy', ['-f', file, '-db'], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (c: Buffer) => (stderr += c.toString()));
  let exited = false;
  child.on('exit', () => (exited = true));
  const url = `http://127.0.0.1:${port}`;
  await waitFor(`HAProxy on port ${port} to route to a node`, async () => {
    if (exited) throw new Error(`haproxy exited at start: ${stderr}`);
    try {
      return (await fetch(`${url}/api/openapi.json`)).status === 200;
    } catch {
      return false;
    }
  });
  return {
    url,
    pid: child.pid!,
    async stop() {
      await stopChild(child, 'SIGTERM');
      fs.rmSync(dir, { recursive: true, force: true });
    }
  };
}

export { startPostgres, startRedis };
