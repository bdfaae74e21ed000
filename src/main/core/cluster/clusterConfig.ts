import os from 'node:os';
import { z } from 'zod';
import type { CoreConfig } from '../config';
import { StartupRefusal } from '../startupRefusal';

/**
 * Cluster mode (`switchboard serve --cluster`): several equal nodes behind a load
 * balancer, PostgreSQL the source of truth, Redis the live traffic. Everything
 * the nodes must share (the JWT secret, the log's MAC and export signing key)
 * comes from this configuration, the same on every node, never from a node's
 * own data directory.
 */
export const ClusterConfigSchema = z.object({
  enabled: z.literal(true),
  postgresUrl: z.string().regex(/^postgres(ql)?:\/\//, 'a postgres:// URL'),
  redisUrl: z.string().regex(/^rediss?:\/\//, 'a redis:// URL'),
  /** Unique per node; shown in /api/v1/cluster, pg_stat_activity and the log's chains. */
  nodeName: z.string().regex(/^[A-Za-z0-9_.-]{1,64}$/, '1-64 letters, digits, "_", "." or "-"'),
  /** The socket log's secret (MAC chain and export signing key), shared by every node. */
  logSecret: z.string().min(32, 'at least 32 characters'),
  /** How often a node seals the chains into the global checkpoint chain. */
  checkpointIntervalMs: z.coerce.number().int().min(50).max(60_000).default(250),
  /** How often a node says it is alive (cluster_nodes.heartbeat_at, on the database clock). */
  heartbeatIntervalMs: z.coerce.number().int().min(200).max(60_000).default(2_000),
  /** How often live Socket.IO sessions are saved to Redis, so a killed node's clients can recover elsewhere. */
  sessionRefreshMs: z.coerce.number().int().min(200).max(30_000).default(3_000),
  /**
   * Diagnostic only (SWITCHBOARD_CLUSTER_EAGER_SESSIONS=0): leaves session saving to the
   * adapter's disconnect handler, as upstream does. The control run in
   * test/reliability/cluster/eagerSessions.test.ts uses it to prove the eager saving matters.
   */
  eagerSessions: z.boolean().default(true),
  /** Entries kept in the Socket.IO Redis stream (bounded: restore reads from an offset to the end). */
  streamMaxLen: z.coerce.number().int().min(1_000).max(1_000_000).default(50_000),
  /** PostgreSQL connections per node. */
  postgresPoolSize: z.coerce.number().int().min(2).max(100).default(10)
});

export type ClusterConfig = z.output<typeof ClusterConfigSchema>;

const SETTING_NAMES: Record<string, string> = {
  postgresUrl: 'the PostgreSQL URL (SWITCHBOARD_POSTGRES_URL or --postgres-url)',
  redisUrl: 'the Redis URL (SWITCHBOARD_REDIS_URL or --redis-url)',
  nodeName: 'the node name (SWITCHBOARD_NODE_NAME or --node-name)',
  logSecret: 'the shared log secret (SWITCHBOARD_LOG_SECRET)'
};

/** The SWITCHBOARD_* cluster settings; flags given on the command line win (serve.ts). */
export function clusterFromEnv(env: NodeJS.ProcessEnv, forced = false): Record<string, unknown> | undefined {
  const on = forced || env.SWITCHBOARD_CLUSTER === '1' || env.SWITCHBOARD_CLUSTER === 'true';
  if (!on) return undefined;
  const out: Record<string, unknown> = { enabled: true };
  if (env.SWITCHBOARD_POSTGRES_URL) out.postgresUrl = env.SWITCHBOARD_POSTGRES_URL;
  if (env.SWITCHBOARD_REDIS_URL) out.redisUrl = env.SWITCHBOARD_REDIS_URL;
  if (env.SWITCHBOARD_NODE_NAME) out.nodeName = env.SWITCHBOARD_NODE_NAME;
  if (env.SWITCHBOARD_LOG_SECRET) out.logSecret = env.SWITCHBOARD_LOG_SECRET;
  if (env.SWITCHBOARD_CLUSTER_EAGER_SESSIONS === '0') out.eagerSessions = false;
  return out;
}

/**
 * The cluster settings, or null in single-node mode. A node that would start
 * half-configured (no shared JWT secret: each node would mint its own and refuse
 * the others' tokens) is refused with one sentence naming the setting.
 */
export function parseClusterConfig(config: CoreConfig): ClusterConfig | null {
  const input = config.cluster;
  if (!input || input.enabled !== true) return null;
  const parsed = ClusterConfigSchema.safeParse({ nodeName: os.hostname().replace(/[^A-Za-z0-9_.-]/g, '-').slice(0, 64), ...input });
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const key = issue.path.map(String).join('.');
    throw new StartupRefusal('CONFIG_INVALID', `Cannot start in cluster mode: ${SETTING_NAMES[key] ?? `cluster.${key}`} is missing or not valid (${issue.message}).`);
  }
  if (!config.jwtSecret) {
    throw new StartupRefusal(
      'CONFIG_INVALID',
      'Cannot start in cluster mode without SWITCHBOARD_JWT_SECRET: every node must verify the tokens the others issued, so the secret comes from shared configuration, not a data directory.'
    );
  }
  return parsed.data;
}

/** `serve --cluster --postgres-url --redis-url --node-name` over their SWITCHBOARD_* equivalents. */
export function clusterFromFlags(values: Record<string, unknown>, env: NodeJS.ProcessEnv): Record<string, unknown> | undefined {
  const out = clusterFromEnv(env, values.cluster === true);
  if (!out) return undefined;
  if (typeof values['postgres-url'] === 'string') out.postgresUrl = values['postgres-url'];
  if (typeof values['redis-url'] === 'string') out.redisUrl = values['redis-url'];
  if (typeof values['node-name'] === 'string') out.nodeName = values['node-name'];
  return out;
}
