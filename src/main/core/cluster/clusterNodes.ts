import type { Logger } from 'pino';
import { createRepeatedErrorLog } from '../repeatedErrors';
import type { PgDatabase } from '../log/storage/postgres/pgDatabase';

export interface ClusterNodeView {
  name: string;
  incarnation: string;
  url: string | null;
  started_at: string;
  /** Seconds since its last heartbeat, on the database clock (no two machines' clocks are compared). */
  heartbeat_age_seconds: number;
  status: 'up' | 'late' | 'down' | 'stopped';
}

export interface ClusterNodes {
  list(): Promise<ClusterNodeView[]>;
  close(): Promise<void>;
}

/**
 * This node's row in cluster_nodes, refreshed every `intervalMs` with the
 * database's own now(): a node is late after 3 missed beats and down after 10.
 * A clean stop marks it stopped; a killed node just stops beating.
 */
export async function registerClusterNode(options: { pg: PgDatabase; name: string; incarnation: string; url: string | null; intervalMs: number; logger: Logger }): Promise<ClusterNodes> {
  const { pool } = options.pg;
  await pool.query(
    `INSERT INTO cluster_nodes (name, incarnation, url, started_at, heartbeat_at, stopped_at) VALUES ($1, $2, $3, now(), now(), NULL)
     ON CONFLICT (name) DO UPDATE SET incarnation = excluded.incarnation, url = excluded.url, started_at = now(), heartbeat_at = now(), stopped_at = NULL`,
    [options.name, options.incarnation, options.url]
  );
  const failures = createRepeatedErrorLog(options.logger, 'cluster heartbeat to PostgreSQL failed');
  const timer = setInterval(() => {
    pool.query('UPDATE cluster_nodes SET heartbeat_at = now() WHERE name = $1 AND incarnation = $2', [options.name, options.incarnation]).catch((err: unknown) => failures.report(err));
  }, options.intervalMs);
  timer.unref();
  const lateAfter = (3 * options.intervalMs) / 1000;
  const downAfter = (10 * options.intervalMs) / 1000;
  return {
    async list() {
      const res = await pool.query<{ name: string; incarnation: string; url: string | null; started_at: Date; age: number; stopped: boolean }>(
        'SELECT name, incarnation, url, started_at, extract(epoch FROM now() - heartbeat_at)::float8 AS age, stopped_at IS NOT NULL AS stopped FROM cluster_nodes ORDER BY name'
      );
      return res.rows.map((r) => ({
        name: r.name,
        incarnation: r.incarnation,
        url: r.url,
        started_at: r.started_at.toISOString(),
        heartbeat_age_seconds: Math.max(0, Math.round(r.age * 10) / 10),
        status: r.stopped ? 'stopped' : r.age > downAfter ? 'down' : r.age > lateAfter ? 'late' : 'up'
      }));
    },
    async close() {
      clearInterval(timer);
      failures.close();
      await pool.query('UPDATE cluster_nodes SET stopped_at = now() WHERE name = $1 AND incarnation = $2', [options.name, options.incarnation]).catch(() => undefined);
    }
  };
}
