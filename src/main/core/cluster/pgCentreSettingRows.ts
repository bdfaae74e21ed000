import { sql } from 'kysely';
import type { Logger } from 'pino';
import type { CentreSettingRows, StoredSetting } from '../dispatch/centreSettingRows';
import type { PgDatabase } from '../log/storage/postgres/pgDatabase';
import { listenToChannel } from './pgListen';

const CHANNEL = 'switchboard_centre_settings';
/** A notice can be lost while a LISTEN connection is down: every node re-reads the (two, small) settings this often anyway. */
const RECHECK_MS = 15_000;

interface Notice {
  node: string;
  key: string;
}

/**
 * Centre settings in the cluster's PostgreSQL (migration 006): a supervisor's
 * change on one node is committed with a NOTIFY naming the key, and every other
 * node re-reads that key at once, so its suggestions use the new run cards and
 * its consoles are told. The notice is sent inside the writing transaction, so
 * it is delivered only after the row is visible.
 */
export function pgCentreSettingRows(pg: PgDatabase, listen: { url: string; node: string; logger: Logger }): CentreSettingRows {
  return {
    async read(key) {
      const result = await sql<StoredSetting>`SELECT value, updated_by, updated_at FROM centre_settings WHERE key = ${key}`.execute(pg.db);
      return result.rows[0] ?? null;
    },
    write: (key, row) =>
      pg.db.transaction().execute(async (trx) => {
        await sql`INSERT INTO centre_settings (key, value, updated_by, updated_at) VALUES (${key}, ${row.value}, ${row.updated_by}, ${row.updated_at})
          ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_by = excluded.updated_by, updated_at = excluded.updated_at`.execute(trx);
        const notice: Notice = { node: listen.node, key };
        await sql`SELECT pg_notify(${CHANNEL}, ${JSON.stringify(notice)})`.execute(trx);
      }),
    async follow(onChanged) {
      const listener = await listenToChannel({
        url: listen.url,
        channel: CHANNEL,
        applicationName: `switchboard ${listen.node} settings`,
        logger: listen.logger,
        onNews(payload) {
          if (!payload) return onChanged(null); // (re)connected: anything may have changed meanwhile
          let notice: Partial<Notice> | null = null;
          try {
            notice = JSON.parse(payload) as Partial<Notice>;
          } catch {
            notice = null;
          }
          if (notice?.node === listen.node) return;
          onChanged(typeof notice?.key === 'string' ? notice.key : null);
        }
      });
      const recheck = setInterval(() => onChanged(null), RECHECK_MS);
      recheck.unref();
      return async () => {
        clearInterval(recheck);
        await listener.close();
      };
    }
  };
}
