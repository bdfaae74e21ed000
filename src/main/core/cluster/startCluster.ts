import { createClient } from 'redis';
import { z } from 'zod';
import { OPERATOR_ROLES } from '../../../shared/roles';
import type { CoreContext } from '../coreContext';
import { deriveLogKeys } from '../log/store/chain';
import type { SocketLog } from '../log/service';
import { startCheckpoints } from '../log/storage/postgres/pgCheckpoints';
import { openPostgres, type PgDatabase } from '../log/storage/postgres/pgDatabase';
import { startPgLogWriter, type PgLogWriter } from '../log/storage/postgres/pgLogWriter';
import { ensureDailyPartitions } from '../log/storage/postgres/pgMigrations';
import { StartupRefusal } from '../startupRefusal';
import type { ClusterConfig } from './clusterConfig';
import { redactUrl, refuseUnlessClusterReady } from './clusterState';
import { registerClusterNode, type ClusterNodes } from './clusterNodes';
import { saveSessionsEagerly, useRedisStreamsAdapter, type SessionSaver } from './socketioRedis';

/** What cluster mode offers other domains and tests. */
export interface ClusterService {
  config: ClusterConfig;
  pg: PgDatabase;
  writer: PgLogWriter;
  nodes: ClusterNodes;
  sessions: SessionSaver;
}

const PARTITION_CHECK_MS = 60 * 60_000;

/**
 * Turns this core into one node of a cluster. Started right after the socket
 * log and before the hub: the log's writes (hub, bridge, alert receipts) go to
 * PostgreSQL from then on, through this node's own chain, and Socket.IO room
 * traffic crosses nodes through Redis. Refuses to start, with a sentence, when
 * PostgreSQL or Redis cannot be reached or the schema is behind.
 */
export async function startCluster(ctx: CoreContext, config: ClusterConfig, deps: { log: SocketLog }): Promise<ClusterService> {
  const logger = ctx.logger.child({ domain: 'cluster', node: config.nodeName });
  const pg = openPostgres(config.postgresUrl, { max: config.postgresPoolSize, applicationName: `switchboard ${config.nodeName}`, onConnectionError: (err) => logger.warn({ err }, 'a PostgreSQL connection failed; it is replaced on next use') });
  ctx.onClose(() => pg.close());
  await refuseUnlessClusterReady(pg, config);
  await ensureDailyPartitions(pg.db, Date.now());
  const partitionTimer = setInterval(() => {
    ensureDailyPartitions(pg.db, Date.now()).catch((err: unknown) => logger.error({ err }, 'could not create the next days\' socket log partitions'));
  }, PARTITION_CHECK_MS);
  partitionTimer.unref();
  ctx.onClose(() => clearInterval(partitionTimer));

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
  const sessions = saveSessionsEagerly(ctx.http.io.of('/'), config.sessionRefreshMs, logger);
  ctx.onClose(() => sessions.close());

  const key = deriveLogKeys(config.logSecret).mac;
  const writer = await startPgLogWriter({ pg, key, node: config.nodeName, scrubber: ctx.scrubber, logger });
  routeLogWritesTo(deps.log, writer);
  const checkpoints = startCheckpoints({ pg, key, node: config.nodeName, intervalMs: config.checkpointIntervalMs, logger });
  const nodes = await registerClusterNode({ pg, name: config.nodeName, incarnation: writer.stats().incarnation, url: null, intervalMs: config.heartbeatIntervalMs, logger });
  // Closed before the SQLite log (closers run in reverse): the hub's last answers flush here first.
  ctx.onClose(async () => {
    await writer.close();
    await checkpoints.close();
    await nodes.close();
  });
  registerClusterRoutes(ctx, config, nodes, writer);
  const service: ClusterService = { config, pg, writer, nodes, sessions };
  logger.info({ incarnation: writer.stats().incarnation }, 'cluster node started (log on PostgreSQL, live traffic through Redis)');
  return service;
}

/**
 * The socket log's writes go to PostgreSQL; the object stays the same, so the hub,
 * bridge and alert receipt log that hold it write to the cluster without knowing.
 */
function routeLogWritesTo(log: SocketLog, writer: PgLogWriter): void {
  log.createSocketLog = (entry) => writer.createSocketLog(entry);
  log.updateSocketLog = (id, update) => writer.updateSocketLog(id, update);
  log.flush = () => writer.flush();
  log.lagMs = () => writer.lagMs();
}

function registerClusterRoutes(ctx: CoreContext, config: ClusterConfig, nodes: ClusterNodes, writer: PgLogWriter): void {
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
      const stats = writer.stats();
      return {
        node: config.nodeName,
        nodes: await nodes.list(),
        log: { incarnation: stats.incarnation, inserted_rows: stats.insertedRows, queue_depth: stats.queueDepth, outcome_checks: stats.outcomeChecks }
      };
    }
  });
}

export { redactUrl };
