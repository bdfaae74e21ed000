import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createCadSimulator } from '../cadsim/cadSimulator';
import { Kysely, PostgresDialect } from 'kysely';
import { createOperatorStore } from '../core/auth/operators';
import { createTokenService } from '../core/auth/tokens';
import type { DatabaseSchema } from '../core/db/schema';
import { openPostgres } from '../core/log/storage/postgres/pgDatabase';
import { migratePostgres } from '../core/log/storage/postgres/pgMigrations';
import { demoCadOptions, demoCrewUnits, openDemoCalls } from '../cli/commands/demo';
import { startSimulatedDevices } from '../devices';
import { startPostgres, startRedis, type LocalPostgres, type LocalRedis } from './engines';
import { startHaproxy, type LocalHaproxy } from './haproxy';
import { startNodeProcess, type NodeProcess } from './nodeProcess';

export interface ClusterDemoOptions {
  nodes: number;
  /** HAProxy's port (0: any free port). */
  port: number;
  host: string;
  /** Called as each piece comes up, so a newcomer sees progress during the ~10 s start. */
  progress?(line: string): void;
}

export interface ClusterDemo {
  /** The console, through HAProxy. */
  url: string;
  username: string;
  password: string;
  postgresUrl: string;
  redisUrl: string;
  cadUrl: string;
  logSecret: string;
  nodes: NodeProcess[];
  close(): Promise<void>;
}

const DEMO_ADMIN = 'demo';

/**
 * A whole centre on one machine, as `switchboard cluster-demo` shows it: a
 * throwaway PostgreSQL and Redis, N `serve --cluster` nodes as separate
 * processes (so `kill -9` of one is a real node loss), HAProxy in front with the
 * reference configuration, the CAD simulator every node is pointed at, and the
 * simulated field devices connected through the balancer.
 */
export async function startClusterDemo(options: ClusterDemoOptions): Promise<ClusterDemo> {
  const say = options.progress ?? (() => undefined);
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'switchboard-cluster-demo-'));
  const closers: Array<() => Promise<void> | void> = [() => fs.rmSync(root, { recursive: true, force: true })];
  const close = async () => {
    for (const closer of closers.splice(0).reverse()) await Promise.resolve(closer()).catch(() => undefined);
  };
  try {
    const pg: LocalPostgres = await startPostgres();
    closers.push(() => pg.stop());
    say(`PostgreSQL ${pg.url} (pid ${pg.pid})`);
    const redis: LocalRedis = await startRedis();
    closers.push(() => redis.stop());
    say(`Redis ${redis.url} (pid ${redis.pid})`);
    const password = randomBytes(12).toString('base64url');
    const db = openPostgres(pg.url, { max: 2 });
    try {
      await migratePostgres(db.db);
      // Operators live in the cluster's PostgreSQL: one account every node signs in.
      await createOperatorStore(new Kysely<DatabaseSchema>({ dialect: new PostgresDialect({ pool: db.pool }) })).add(DEMO_ADMIN, password, 'admin');
    } finally {
      await db.close();
    }

    const jwtSecret = randomBytes(32).toString('base64url');
    const logSecret = randomBytes(32).toString('base64url');
    const cadToken = randomBytes(24).toString('base64url');
    const sim = await createCadSimulator(demoCadOptions(cadToken));
    closers.push(() => sim.close());
    openDemoCalls(sim);
    say(`CAD simulator ${sim.url}`);

    const env = { SWITCHBOARD_JWT_SECRET: jwtSecret, SWITCHBOARD_LOG_SECRET: logSecret };
    const nodes = await Promise.all(
      Array.from({ length: options.nodes }, async (_, i) => {
        const name = `node-${i + 1}`;
        const dataDir = path.join(root, name);
        fs.mkdirSync(dataDir);
        const node = await startNodeProcess(name, dataDir, ['--cluster', '--trust-proxy', '--node-name', name, '--postgres-url', pg.url, '--redis-url', redis.url, '--cad-url', sim.url, '--cad-token', cadToken], env);
        closers.push(() => node.stop());
        say(`${name} ${node.url} (pid ${node.pid})`);
        return node;
      })
    );
    const balancer: LocalHaproxy = await startHaproxy(
      nodes.map((n) => ({ name: n.name, port: n.port })),
      { port: options.port, host: options.host }
    );
    closers.push(() => balancer.stop());
    say(`HAProxy ${balancer.url} (pid ${balancer.pid})`);

    const tokens = createTokenService(jwtSecret);
    const devices = await startSimulatedDevices({
      url: balancer.url,
      token: async (identity) => (await tokens.sign(identity, 7 * 24 * 3600)).token,
      speed: 1,
      crewUnits: demoCrewUnits(sim)
    });
    closers.push(() => devices.stop());
    return { url: balancer.url, username: DEMO_ADMIN, password, postgresUrl: pg.url, redisUrl: redis.url, cadUrl: sim.url, logSecret, nodes, close };
  } catch (err) {
    await close();
    throw err;
  }
}
