import { sql } from 'kysely';
import type { Logger } from 'pino';
import type { RevocationRows } from '../auth/revocations';
import type { PgDatabase } from '../log/storage/postgres/pgDatabase';
import { listenToChannel } from './pgListen';

const CHANNEL = 'switchboard_revocations';

/**
 * Revocations in the cluster's PostgreSQL (migration 004). Every node reads the
 * rows after the last id it applied, so ids must become visible in id order:
 * an identity column alone does not promise that (id 8 can commit before id 7,
 * and a node that read 8 would never see 7). The append therefore takes a
 * table lock that only appenders contend on (revocations are rare) and
 * notifies the other nodes, which then read at once rather than at their next
 * poll, and close the revoked token's sockets.
 */
export function pgRevocationRows(pg: PgDatabase, listen: { url: string; node: string; logger: Logger }): RevocationRows {
  return {
    append: (row) =>
      pg.db.transaction().execute(async (trx) => {
        await sql`LOCK TABLE token_revocations IN SHARE ROW EXCLUSIVE MODE`.execute(trx);
        const inserted = await sql<{ id: number }>`INSERT INTO token_revocations (kind, value, issued_before, revoked_at, revoked_by, reason)
          VALUES (${row.kind}, ${row.value}, ${row.issued_before}, ${new Date().toISOString()}, ${row.revoked_by}, ${row.reason}) RETURNING id`.execute(trx);
        await sql`SELECT pg_notify(${CHANNEL}, ${listen.node})`.execute(trx);
        return inserted.rows[0]!.id;
      }),
    async after(id) {
      const result = await sql<{ id: number; kind: string; value: string; issued_before: number; revoked_by: string; reason: string | null }>`
        SELECT id, kind, value, issued_before, revoked_by, reason FROM token_revocations WHERE id > ${id} ORDER BY id`.execute(pg.db);
      return result.rows;
    },
    async subscribe(onNews) {
      const listener = await listenToChannel({ url: listen.url, channel: CHANNEL, applicationName: `switchboard ${listen.node} revocations`, logger: listen.logger, onNews: () => onNews() });
      return () => listener.close();
    }
  };
}
