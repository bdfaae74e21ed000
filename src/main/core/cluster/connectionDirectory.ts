import type { Logger } from 'pino';
import type { createClient } from 'redis';
import { HubStatsSchema, type HubConnection, type HubStats } from '../../../shared/contract/hub';
import type { ClusterDirectory, Hub } from '../hub/hub';
import { describeConnection, type HubConn } from '../hub/registry';
import { createRepeatedErrorLog } from '../repeatedErrors';

type RedisClient = ReturnType<typeof createClient>;

const NODES_KEY = 'switchboard:conn-nodes';
const nodeKey = (node: string) => `switchboard:conns:${node}`;
const statsKey = (node: string) => `switchboard:node-stats:${node}`;

/** A connection as the cluster sees it: which node holds it. */
export type ClusterConnection = HubConnection & { node: string };

export interface ConnectionDirectory extends ClusterDirectory {
  /** The other nodes' connections, from Redis (this node's own are in its registry). */
  remote(): Promise<ClusterConnection[]>;
  close(): Promise<void>;
}

/**
 * The cluster-wide connection registry: each node keeps its own connections in
 * one Redis hash (connection id to its description) that expires unless the
 * node's heartbeat refreshes it, so a killed node's entries vanish within
 * `ttlMs` without anyone cleaning up after it. Written on presence changes
 * (connect, disconnect, join, leave; batched per turn of the event loop), never
 * per event: message counts and last-seen times of other nodes' connections are
 * as of their last presence change.
 */
export function startConnectionDirectory(options: { redis: RedisClient; hub: Hub; node: string; heartbeatMs: number; logger: Logger; nodes: ClusterDirectory['nodes'] }): ConnectionDirectory {
  const { redis, hub, node } = options;
  const key = nodeKey(node);
  const ttlMs = Math.max(5 * options.heartbeatMs, 5_000);
  const failures = createRepeatedErrorLog(options.logger, 'connection directory write to Redis failed');
  const dirty = new Set<string>();
  let flushScheduled = false;

  const encode = (conn: HubConn) => JSON.stringify(describeConnection(conn, false));
  const flush = async () => {
    flushScheduled = false;
    const ids = [...dirty];
    dirty.clear();
    const multi = redis.multi();
    for (const id of ids) {
      const conn = hub.registry.get(id);
      if (conn) multi.hSet(key, id, encode(conn));
      else multi.hDel(key, id);
    }
    multi.pExpire(key, ttlMs).sAdd(NODES_KEY, node);
    await multi.exec();
  };
  const markDirty = (id: string) => {
    dirty.add(id);
    if (flushScheduled) return;
    flushScheduled = true;
    setImmediate(() => flush().catch((err: unknown) => failures.report(err)));
  };
  // After a Redis restart (or the hash expiring during a long pause) everything is written again.
  const rewriteAll = async () => {
    const multi = redis.multi().del(key);
    for (const conn of hub.registry.all()) multi.hSet(key, conn.id, encode(conn));
    await multi.pExpire(key, ttlMs).sAdd(NODES_KEY, node).exec();
  };
  const stopPresence = hub.onPresence((_kind, conn) => markDirty(conn.id));
  const beat = async () => {
    const kept = await redis.pExpire(key, ttlMs);
    if (!kept && hub.registry.size() > 0) await rewriteAll();
    else await redis.sAdd(NODES_KEY, node);
  };
  const timer = setInterval(() => beat().catch((err: unknown) => failures.report(err)), options.heartbeatMs);
  timer.unref();
  void rewriteAll().catch((err: unknown) => failures.report(err));

  return {
    node,
    nodes: options.nodes,
    async remote() {
      const out: ClusterConnection[] = [];
      const others = (await redis.sMembers(NODES_KEY)).filter((n) => n !== node).sort();
      for (const other of others) {
        const entries = await redis.hGetAll(nodeKey(other));
        for (const value of Object.values(entries)) {
          try {
            out.push({ ...(JSON.parse(value) as HubConnection), node: other });
          } catch {
            // A value this version cannot read (another version's node): left out of the list, not fatal to it.
          }
        }
      }
      return out;
    },
    async shareStats(own) {
      // Each node's counters expire like its connections: a dead node's rates stop counting within the expiry.
      await redis.set(statsKey(node), JSON.stringify(own), { PX: ttlMs });
      const others = (await redis.sMembers(NODES_KEY)).filter((n) => n !== node).sort();
      if (others.length === 0) return [];
      const values = await redis.mGet(others.map(statsKey));
      const out: HubStats[] = [];
      for (const value of values) {
        if (value === null) continue;
        try {
          const parsed = HubStatsSchema.safeParse(JSON.parse(value));
          if (parsed.success) out.push(parsed.data);
        } catch {
          // Another version's node: its counters are left out, as its connections are.
        }
      }
      return out;
    },
    async close() {
      clearInterval(timer);
      stopPresence();
      failures.close();
      // A clean stop takes this node's connections out at once instead of after the expiry.
      await redis.multi().del(key).del(statsKey(node)).sRem(NODES_KEY, node).exec().catch(() => undefined);
    }
  };
}
