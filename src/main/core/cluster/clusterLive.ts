import type { Logger } from 'pino';
import { Gauge } from 'prom-client';
import type { createClient } from 'redis';
import type { ClusterDirectory, Hub } from '../hub/hub';
import type { PgDatabase } from '../log/storage/postgres/pgDatabase';
import type { MetricsRegistry } from '../metrics/registry';
import { CAD_LEASE } from './cadLease';
import { startConnectionDirectory } from './connectionDirectory';
import { startRoomStream } from './roomStream';

type RedisClient = ReturnType<typeof createClient>;

export interface ClusterLiveOptions {
  redis: RedisClient;
  pg: PgDatabase;
  node: string;
  heartbeatMs: number;
  /** Entries kept in the live room stream. */
  liveMaxLen: number;
  metrics: MetricsRegistry;
  logger: Logger;
  /** The nodes' health (cluster_nodes in PostgreSQL). */
  nodes: ClusterDirectory['nodes'];
}

/** A quiet room's stream in Redis lives this long after its last message (the history a resume can reach). */
const ROOM_STREAM_TTL_MS = 24 * 60 * 60_000;

/**
 * The hub's live traffic across nodes, plugged in once the hub exists:
 * WebSocket and SSE room messages through Redis Streams (roomStream.ts), the
 * connection registry in per-node Redis hashes (connectionDirectory.ts), and
 * this node's cluster gauges on /metrics. Returns its closer.
 */
export async function attachClusterLive(hub: Hub, options: ClusterLiveOptions): Promise<() => Promise<void>> {
  const stream = await startRoomStream({
    redis: options.redis,
    logger: options.logger,
    perRoom: hub.config.historyPerRoom,
    liveMaxLen: options.liveMaxLen,
    roomTtlMs: ROOM_STREAM_TTL_MS,
    onMessage: (message, except) => hub.received(message, except),
    onGap: (missing) => {
      hub.metrics.relayMissed.child().inc(missing);
      options.logger.warn({ missing }, 'room messages missing from the live stream: this node\'s WebSocket and SSE subscribers did not get them');
    }
  });
  hub.relay = stream;
  const directory = startConnectionDirectory({ redis: options.redis, hub, node: options.node, heartbeatMs: options.heartbeatMs, logger: options.logger, nodes: options.nodes });
  hub.directory = directory;
  registerClusterGauges(options, stream.ping);
  return async () => {
    await directory.close();
    await stream.close();
  };
}

/** Read at scrape time: nothing here costs anything per event. A failed probe reads as -1 (and the lease as not held). */
function registerClusterGauges(options: ClusterLiveOptions, pingRedis: () => Promise<number>): void {
  const { pg, metrics } = options;
  const probe = async (gauge: Gauge, measure: () => Promise<number>) => {
    try {
      gauge.set(await measure());
    } catch {
      gauge.set(-1);
    }
  };
  new Gauge({
    name: 'switchboard_cluster_redis_latency_seconds',
    help: 'Round trip of a PING to Redis, measured at scrape (-1: no answer).',
    registers: [metrics],
    async collect() {
      await probe(this, pingRedis);
    }
  });
  new Gauge({
    name: 'switchboard_cluster_postgres_latency_seconds',
    help: 'Round trip of a SELECT 1 to PostgreSQL, measured at scrape (-1: no answer).',
    registers: [metrics],
    async collect() {
      await probe(this, async () => {
        const started = performance.now();
        await pg.pool.query('SELECT 1');
        return (performance.now() - started) / 1000;
      });
    }
  });
  new Gauge({
    name: 'switchboard_cluster_cad_lease_held',
    help: '1 when this node holds the CAD link lease (unexpired, on the database clock), else 0.',
    registers: [metrics],
    async collect() {
      try {
        const res = await pg.pool.query<{ held: boolean }>(
          // By node name: whichever incarnation id the bridge's lease uses, node names are unique among live nodes.
          'SELECT holder = $2 AND expires_at > now() AS held FROM leases WHERE name = $1',
          [CAD_LEASE, options.node]
        );
        this.set(res.rows[0]?.held ? 1 : 0);
      } catch {
        this.set(0);
      }
    }
  });
}
