import { sql } from 'kysely';
import type { Logger } from 'pino';
import type { Alert } from '../../../shared/contract/alerts';
import { mergeAlert } from '../alerts/alertMerge';
import { parseStoredAlert, type AlertRows } from '../alerts/alertStore';
import type { PgDatabase } from '../log/storage/postgres/pgDatabase';
import { listenToChannel, type PgListener } from './pgListen';

const CHANNEL = 'switchboard_alerts';
/** Ids per NOTIFY: a payload is capped at 8 KB, an id with its quotes is under 40 bytes. */
const IDS_PER_NOTICE = 150;

export interface PgAlertRows extends AlertRows {
  /**
   * The escalation claim. Every node runs the escalation timer over its copy of
   * the open alerts; the first node whose conditional UPDATE finds the alert
   * still unescalated, unacknowledged and open escalates it, every other node's
   * UPDATE matches no row. One statement on the row itself, so no lease or
   * leader is needed and a dead node cannot hold an escalation up: whichever
   * node's timer fires next escalates. An acknowledgement committed on any node
   * first (alertHandlers answers only after it is written) wins over the claim.
   */
  claimEscalation(alert: Alert, at: string): Promise<boolean>;
  /** Calls `onChanged` with each alert another node wrote, as it is now in PostgreSQL. */
  watch(onChanged: (alert: Alert) => void): Promise<PgListener>;
}

interface Notice {
  node: string;
  ids: string[];
}

/**
 * Alerts in the cluster's PostgreSQL (migration 004). Every node keeps its own
 * copy of the alerts in memory (the hub raises and refreshes them on every
 * reading, which must not wait for the network) and writes each change back
 * through this, merged with what other nodes wrote (alertMerge.ts) under a row
 * lock, then tells the other nodes which alerts changed (NOTIFY); they read
 * those rows and fold them into their copies. Nodes that missed a notice (a
 * dropped LISTEN connection) catch up with the next notice about that alert;
 * the receipts themselves are never lost, because every write merges.
 */
export function pgAlertRows(pg: PgDatabase, options: { url: string; node: string; logger: Logger; flush(): Promise<void> }): PgAlertRows {
  const readAlerts = async (ids: readonly string[]) => {
    if (!ids.length) return [];
    const result = await sql<{ body: string }>`SELECT body FROM alerts WHERE id = ANY(${ids as string[]})`.execute(pg.db);
    return result.rows.map((r) => parseStoredAlert(r.body, options.logger)).filter((a): a is Alert => a !== null);
  };
  return {
    async write(alerts, forgotten) {
      const ids = alerts.map((a) => a.id).sort();
      await pg.db.transaction().execute(async (trx) => {
        // Locked in id order, so two nodes writing overlapping batches cannot deadlock.
        const stored = await sql<{ id: string; body: string }>`SELECT id, body FROM alerts WHERE id = ANY(${ids}) ORDER BY id FOR UPDATE`.execute(trx);
        const storedById = new Map(stored.rows.map((r) => [r.id, parseStoredAlert(r.body, options.logger)]));
        for (const mine of alerts) {
          const theirs = storedById.get(mine.id);
          const a = theirs ? mergeAlert(theirs, mine) : mine;
          await sql`INSERT INTO alerts (id, key, raised_at, cleared_at, acknowledged_at, escalated_at, body)
            VALUES (${a.id}, ${a.key}, ${a.raised_at}, ${a.cleared_at}, ${a.acknowledged_at}, ${a.escalated_at}, ${JSON.stringify(a)})
            ON CONFLICT (id) DO UPDATE SET key = excluded.key, cleared_at = excluded.cleared_at, acknowledged_at = excluded.acknowledged_at,
              escalated_at = COALESCE(alerts.escalated_at, excluded.escalated_at), body = excluded.body`.execute(trx);
        }
        if (forgotten.length) await sql`DELETE FROM alerts WHERE id = ANY(${forgotten as string[]})`.execute(trx);
        for (let i = 0; i < ids.length; i += IDS_PER_NOTICE) {
          const notice: Notice = { node: options.node, ids: ids.slice(i, i + IDS_PER_NOTICE) };
          await sql`SELECT pg_notify(${CHANNEL}, ${JSON.stringify(notice)})`.execute(trx);
        }
      });
    },
    async loadBodies(keepResolved) {
      const result = await sql<{ body: string }>`
        (SELECT body FROM alerts WHERE cleared_at IS NULL)
        UNION ALL
        (SELECT body FROM alerts WHERE cleared_at IS NOT NULL ORDER BY raised_at DESC LIMIT ${keepResolved})`.execute(pg.db);
      return result.rows.map((r) => r.body);
    },
    async claimEscalation(alert, at) {
      // The row must exist before it can be claimed: the raise may still be in this node's write batch.
      await options.flush();
      const won = await sql`UPDATE alerts SET escalated_at = ${at}
        WHERE id = ${alert.id} AND escalated_at IS NULL AND acknowledged_at IS NULL AND cleared_at IS NULL RETURNING id`.execute(pg.db);
      return won.rows.length === 1;
    },
    watch(onChanged) {
      return listenToChannel({
        url: options.url,
        channel: CHANNEL,
        applicationName: `switchboard ${options.node} alerts`,
        logger: options.logger,
        onNews(payload) {
          let notice: Notice | null = null;
          try {
            notice = payload ? (JSON.parse(payload) as Notice) : null;
          } catch {
            notice = null;
          }
          if (!notice || notice.node === options.node || !Array.isArray(notice.ids)) return;
          readAlerts(notice.ids.filter((id) => typeof id === 'string'))
            .then((changed) => changed.forEach(onChanged))
            .catch((err: unknown) => options.logger.warn({ err }, 'could not read alerts another node changed; the next change brings them'));
        }
      });
    }
  };
}
