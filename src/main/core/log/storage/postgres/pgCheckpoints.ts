import type { Logger } from 'pino';
import { createRepeatedErrorLog } from '../../../repeatedErrors';
import { checkpointGenesis, checkpointMac } from './pgChain';
import type { PgDatabase } from './pgDatabase';

/**
 * Seals every chain that moved since the last checkpoint into the next link of
 * the global checkpoint chain: [[incarnation, seq, mac], ...]. Any node may do
 * it (an advisory lock orders them); nodes never wait for it to write rows.
 * Returns the checkpoint's number, or null when no chain moved.
 */
export async function writeCheckpoint(pg: PgDatabase, key: Buffer, node: string): Promise<number | null> {
  const client = await pg.pool.connect();
  try {
    await client.query('BEGIN');
    await client.query("SELECT pg_advisory_xact_lock(hashtext('switchboard log checkpoints'))");
    const moved = await client.query<{ incarnation: string; last_seq: number; last_mac: Buffer }>(
      'SELECT incarnation, last_seq, last_mac FROM log_chains WHERE last_seq > checkpointed_seq ORDER BY incarnation'
    );
    if (moved.rows.length === 0) {
      await client.query('COMMIT');
      return null;
    }
    const last = await client.query<{ seq: number; mac: Buffer }>('SELECT seq, mac FROM log_checkpoints ORDER BY seq DESC LIMIT 1');
    const seq = (last.rows[0]?.seq ?? 0) + 1;
    const prev = last.rows[0]?.mac ?? checkpointGenesis(key);
    const heads = JSON.stringify(moved.rows.map((r) => [r.incarnation, r.last_seq, r.last_mac.toString('hex')]));
    const createdAt = Date.now();
    await client.query('INSERT INTO log_checkpoints (seq, created_at, node, heads, mac) VALUES ($1, $2, $3, $4, $5)', [
      seq,
      new Date(createdAt).toISOString(),
      node,
      heads,
      checkpointMac(key, prev, seq, createdAt, node, heads)
    ]);
    await client.query('UPDATE log_chains c SET checkpointed_seq = GREATEST(c.checkpointed_seq, u.seq) FROM unnest($1::text[], $2::bigint[]) AS u(incarnation, seq) WHERE c.incarnation = u.incarnation', [
      moved.rows.map((r) => r.incarnation),
      moved.rows.map((r) => r.last_seq)
    ]);
    await client.query('COMMIT');
    return seq;
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  } finally {
    client.release();
  }
}

/** Writes checkpoints every `intervalMs` (a few times a second) until stopped. */
export function startCheckpoints(options: { pg: PgDatabase; key: Buffer; node: string; intervalMs: number; logger: Logger }): { close(): Promise<void> } {
  const failures = createRepeatedErrorLog(options.logger, 'socket log checkpoint on PostgreSQL failed');
  let running: Promise<unknown> | null = null;
  const timer = setInterval(() => {
    // A slow database must not pile checkpoints up behind the lock: skip a turn instead.
    running ??= writeCheckpoint(options.pg, options.key, options.node)
      .catch((err: unknown) => failures.report(err, {}))
      .finally(() => (running = null));
  }, options.intervalMs);
  timer.unref();
  return {
    async close() {
      clearInterval(timer);
      await running;
      failures.close();
    }
  };
}
