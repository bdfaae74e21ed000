import { createClient } from 'redis';
import { z } from 'zod';
import { OPERATOR_ROLES } from '../../../shared/roles';
import type { CoreContext } from '../coreContext';
import type { SocketLog } from '../log/service';
import { openPostgres, type PgDatabase } from '../log/storage/postgres/pgDatabase';
import type { PostgresLog } from '../log/storage/postgres/pgLogStorage';
import { checkPostgresSchema, redactUrl } from '../log/storage/postgres/pgReady';
import { StartupRefusal } from '../startupRefusal';
import type { ClusterConfig } from './clusterConfig';
import { registerClusterNode, type ClusterNodes } from './clusterNodes';
import type { Hub } from '../hub/hub';
import { attachClusterLive } from './clusterLive';
import { saveSessionsEagerly, saveSessionsOnDisconnectOnly, useRedisStreamsAdapter, type SessionSaver } from './socketioRedis';

/** What cluster mode offers other domains and tests. */
export interface ClusterService {
  config: ClusterConfig;
  pg: PgDatabase;
  /** This node's socket log chain on PostgreSQL (the log service stores everything there in cluster mode). */
  log: Pick<PostgresLog, 'stats'>;
  nodes: ClusterNodes;
  sessions: SessionSaver;
  /** Plugs the hub's WebSocket/SSE fan-out, connection registry and cluster gauges into Redis (startHub calls it). */
  attachLive(hub: Hub): Promise<void>;
  /** The node's Redis connection (the CAD link's relay publishes on it and duplicates it to subscribe). */
  redis: ReturnType<typeof createClient>;
}

/**
 * Turns this core into one node of a cluster. Started right after the socket
 * log (which, in cluster mode, already stores everything in PostgreSQL through
 * this node's own chain: log/storage/openLogStorage.ts) and before the hub:
 * Socket.IO room traffic crosses nodes through Redis. Refuses to start, with a sentence, when
 * PostgreSQL or Redis cannot be reached or the schema is behind.
 */
export async function startCluster(ctx: CoreContext, config: ClusterConfig, deps: { log: SocketLog }): Promise<ClusterService> {
  const logger = ctx.logger.child({ domain: 'cluster', node: config.nodeName });
  const pg = openPostgres(config.postgresUrl, { max: config.postgresPoolSize, applicationName: `switchboard ${config.nodeName}`, onConnectionError: (err) => logger.warn({ err }, 'a PostgreSQL connection failed; it is replaced on next use') });
  ctx.onClose(() => pg.close());
  const postgresLog = deps.log.postgres;
  if (!postgresLog) throw new Error('cluster mode needs the socket log on PostgreSQL (log/storage/openLogStorage.ts)');
  await checkPostgresSchema(pg, config.postgresUrl);

  const redis = createClient({ url: config.redisUrl, socket: { reconnectStrategy: (retries) => Math.min(100 * 2 ** retries, 2_000) } });
  redis.on('error', (err: unknown) => logger.warn({ err }, 'Redis connection error; reconnecting'));
  try {
    await redis.connect();
  } catch (err) {
    throw new StartupRefusal('CLUSTER_UNREACHABLE', `Cannot start in cluster mode: Redis at ${redactUrl(config.redisUrl)} did not answer (${(err as Error).message}).`);
  }
  ctx.onClose(async () => {
    await redis.quit().catch(() => undefined);
  });
  useRedisStreamsAdapter(ctx.http.io, redis, { maxLen: config.streamMaxLen });
  const sessions = config.eagerSessions ? saveSessionsEagerly(ctx.http.io.of('/'), config.sessionRefreshMs, logger) : saveSessionsOnDisconnectOnly(logger);
  ctx.onClose(() => sessions.close());

  const nodes = await registerClusterNode({ pg, name: config.nodeName, incarnation: postgresLog.stats().incarnation, url: null, intervalMs: config.heartbeatIntervalMs, logger });
  ctx.onClose(() => nodes.close());
  registerClusterRoutes(ctx, config, nodes, deps.log);
  const attachLive = async (hub: Hub) => {
    const close = await attachClusterLive(hub, { redis, pg, node: config.nodeName, heartbeatMs: config.heartbeatIntervalMs, liveMaxLen: config.streamMaxLen, metrics: ctx.metrics, logger, nodes: () => nodes.list() });
    ctx.onClose(close);
  };
  const service: ClusterService = { config, pg, log: postgresLog, nodes, sessions, attachLive, redis };
  logger.info({ incarnation: postgresLog.stats().incarnation }, 'cluster node started (log on PostgreSQL, live traffic through Redis)');
  return service;
}

function registerClusterRoutes(ctx: CoreContext, config: ClusterConfig, nodes: ClusterNodes, log: Pick<SocketLog, 'stats' | 'postgres'>): void {
  ctx.http.router.route({
    method: 'GET',
    url: '/api/v1/cluster',
    summary: 'The cluster\'s nodes with their health, and which node answered.',
    tags: ['cluster'],
    auth: OPERATOR_ROLES,
    response: z.object({
      node: z.string(),
      nodes: z.array(
        z.object({ name: z.string(), incarnation: z.string(), url: z.string().nullable(), started_at: z.string(), heartbeat_age_seconds: z.number(), status: z.enum(['up', 'late', 'down', 'stopped']) })
      ),
      log: z.object({ incarnation: z.string(), inserted_rows: z.number(), queue_depth: z.number(), outcome_checks: z.record(z.string(), z.number()) })
    }),
    handler: async () => {
      const stats = log.stats();
      const chain = log.postgres!.stats();
      return {
        node: config.nodeName,
        nodes: await nodes.list(),
        log: { incarnation: chain.incarnation, inserted_rows: stats.insertedRows, queue_depth: stats.queueDepth, outcome_checks: chain.outcomeChecks }
      };
    }
  });
}

