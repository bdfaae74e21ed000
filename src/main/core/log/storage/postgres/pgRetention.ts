import fs from 'node:fs';
import path from 'node:path';
import type { Logger } from 'pino';
import type { LogKeys } from '../../store/chain';
import type { RetentionResult } from '../LogStorage';
import { anchorMac } from './pgChain';
import type { PgDatabase } from './pgDatabase';
import { exportPostgresLog } from './pgExport';

const DAY_MS = 86_400_000;
const PARTITION = /^socket_logs_p(\d{4})(\d{2})(\d{2})$/;

export interface PgRetentionOptions {
  pg: PgDatabase;
  keys: LogKeys;
  /** Where archives go (`<dir>/archive/`): the node's data directory. */
  dataDir: string;
  logger: Logger;
  now?: () => number;
}

/** The daily partitions whose whole day lies before `cutoff`, oldest first. */
async function expiredDays(pg: PgDatabase, cutoff: number): Promise<Array<{ name: string; day: number }>> {
  const res = await pg.pool.query<{ name: string }>("SELECT c.relname AS name FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = 'socket_logs'::regclass");
  return res.rows
    .flatMap(({ name }) => {
      const m = PARTITION.exec(name);
      return m ? [{ name, day: Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])) }] : [];
    })
    .filter((p) => p.day + DAY_MS <= cutoff)
    .sort((a, b) => a.day - b.day);
}

/**
 * Retention on PostgreSQL drops whole days, never single rows: the days that
 * ended more than `days` ago are archived (an export of their rows with a signed
 * manifest, `switchboard verify --export` checks it), then each chain's anchor
 * moves past the links those days held (sealed with the key, so verify starts
 * there and a moved anchor shows), their update records, event ids and counters
 * go, and each day's partition is detached with `DETACH PARTITION CONCURRENTLY`
 * (writers and readers keep going) and dropped. One node runs it at a time (an
 * advisory lock), whichever node's timer fires; a run cut short is finished by
 * the next (every step can be repeated).
 */
export function createPgRetention(options: PgRetentionOptions) {
  const { pg, logger } = options;
  const now = options.now ?? Date.now;
  let running: Promise<RetentionResult> | null = null;

  async function run(days: number): Promise<RetentionResult> {
    if (!Number.isInteger(days) || days < 1) throw new Error('Retention needs a whole number of days, at least 1.');
    const expired = await expiredDays(pg, now() - days * DAY_MS);
    const none: RetentionResult = { deleted: 0, deletedUpdates: 0, archive: null, anchorId: 0 };
    if (expired.length === 0) return none;
    const cutoff = expired[expired.length - 1]!.day + DAY_MS;
    const lock = await pg.pool.connect();
    try {
      const got = await lock.query<{ ok: boolean }>("SELECT pg_try_advisory_lock(hashtext('switchboard log retention')) AS ok");
      if (!got.rows[0]!.ok) return none; // another node is running it
      try {
        return await archiveAndDrop(expired, cutoff);
      } finally {
        await lock.query("SELECT pg_advisory_unlock(hashtext('switchboard log retention'))");
      }
    } finally {
      lock.release();
    }
  }

  async function archiveAndDrop(expired: Array<{ name: string; day: number }>, cutoff: number): Promise<RetentionResult> {
    const dir = path.join(options.dataDir, 'archive');
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
    const first = new Date(expired[0]!.day).toISOString().slice(0, 10);
    const last = new Date(cutoff - DAY_MS).toISOString().slice(0, 10);
    const stamp = new Date(now()).toISOString().replace(/[:.]/g, '-');
    const archive = path.join(dir, `socket-logs-${first}-${last}-${stamp}.ndjson`);
    const exported = await exportPostgresLog(pg, options.keys, { format: 'ndjson', filter: { to: cutoff - 1 }, outFile: archive, createdBy: 'retention' });
    if (exported.rows === 0) {
      fs.rmSync(archive, { force: true });
      fs.rmSync(exported.manifestFile, { force: true });
    } else {
      for (const file of [archive, exported.manifestFile]) {
        const fd = fs.openSync(file, 'r');
        fs.fsyncSync(fd);
        fs.closeSync(fd);
      }
    }

    const client = await pg.pool.connect();
    let deletedUpdates = 0;
    let anchorId = 0;
    try {
      await client.query('BEGIN');
      // Each chain's last link before the cut: a row of the expired days or an update record written before them.
      const links = await client.query<{ incarnation: string; seq: number; mac: Buffer }>(
        `SELECT DISTINCT ON (incarnation) incarnation, chain_seq AS seq, mac FROM (
           SELECT incarnation, chain_seq, mac FROM socket_logs WHERE created_at < $1
           UNION ALL SELECT incarnation, chain_seq, mac FROM socket_log_updates WHERE at < $1
         ) l ORDER BY incarnation, chain_seq DESC`,
        [new Date(cutoff).toISOString()]
      );
      for (const l of links.rows) {
        await client.query(
          `INSERT INTO log_anchors (incarnation, seq, mac, anchor_mac, moved_at) VALUES ($1, $2, $3, $4, now())
           ON CONFLICT (incarnation) DO UPDATE SET seq = excluded.seq, mac = excluded.mac, anchor_mac = excluded.anchor_mac, moved_at = now() WHERE log_anchors.seq < excluded.seq`,
          [l.incarnation, l.seq, l.mac, anchorMac(options.keys.mac, l.incarnation, l.seq, l.mac)]
        );
      }
      const updates = await client.query('DELETE FROM socket_log_updates u USING log_anchors a WHERE u.incarnation = a.incarnation AND u.chain_seq <= a.seq');
      deletedUpdates = updates.rowCount ?? 0;
      await client.query('DELETE FROM client_event_ids WHERE created_at < $1', [new Date(cutoff).toISOString()]);
      await client.query('DELETE FROM log_counters WHERE minute < $1', [new Date(cutoff).toISOString()]);
      anchorId = exported.manifest.last_id ?? 0;
      await client.query('COMMIT');
    } catch (err) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw err;
    } finally {
      client.release();
    }
    // Outside any transaction: DETACH ... CONCURRENTLY refuses to run inside one.
    for (const { name } of expired) {
      await pg.pool.query(`ALTER TABLE socket_logs DETACH PARTITION ${name} CONCURRENTLY`);
      await pg.pool.query(`DROP TABLE ${name}`);
    }
    logger.info({ days: expired.length, rows: exported.rows, archive }, 'socket log retention archived and dropped whole days');
    return { deleted: exported.rows, deletedUpdates, archive: exported.rows > 0 ? archive : null, anchorId };
  }

  return {
    cleanupOldSocketLogs(days: number): Promise<RetentionResult> {
      // Two calls at once share one run.
      running ??= run(days).finally(() => (running = null));
      return running;
    }
  };
}
