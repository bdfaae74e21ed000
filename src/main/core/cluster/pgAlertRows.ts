import { createHash } from 'node:crypto';
import { sql, type Transaction } from 'kysely';
import type { Logger } from 'pino';
import type { Alert } from '../../../shared/contract/alerts';
import { foldDuplicate, mergeAlert } from '../alerts/alertMerge';
import { parseStoredAlert, type AlertRows } from '../alerts/alertStore';
import type { PgDatabase } from '../log/storage/postgres/pgDatabase';
import type { PgSchema } from '../log/storage/postgres/pgTables';
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

/** The first of two advisory-lock keys of alert keys (the second is the key's hash), apart from the log's one-key locks. */
const KEY_LOCK_SPACE = 1_093_742_117;
const keyLock = (key: string) => createHash('sha1').update(key).digest().readInt32BE(0);
const DEADLOCK = '40P01';
const ATTEMPTS = 3;

async function retryOnDeadlock<T>(work: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await work();
    } catch (err) {
      // PostgreSQL rolled the whole batch back; it is written again, whole.
      if ((err as { code?: string }).code !== DEADLOCK || attempt >= ATTEMPTS) throw err;
    }
  }
}

async function upsertAlert(trx: Transaction<PgSchema>, a: Alert): Promise<void> {
  await sql`INSERT INTO alerts (id, key, raised_at, cleared_at, acknowledged_at, escalated_at, body)
    VALUES (${a.id}, ${a.key}, ${a.raised_at}, ${a.cleared_at}, ${a.acknowledged_at}, ${a.escalated_at}, ${JSON.stringify(a)})
    ON CONFLICT (id) DO UPDATE SET key = excluded.key, cleared_at = excluded.cleared_at, acknowledged_at = excluded.acknowledged_at,
      escalated_at = COALESCE(alerts.escalated_at, excluded.escalated_at), body = excluded.body`.execute(trx);
}

/**
 * Alerts in the cluster's PostgreSQL (migration 004). Every node keeps its own
 * copy of the alerts in memory (the hub raises and refreshes them on every
 * reading, which must not wait for the network) and writes each change back
 * through this, merged with what other nodes wrote (alertMerge.ts) under a row
 * lock, then tells the other nodes which alerts changed (NOTIFY); they read
 * those rows and fold them into their copies. Nodes that missed a notice (a
 * dropped LISTEN connection) catch up with the next notice about that alert;
 * the receipts themselves are never lost, because every write merges. One
 * open alert per condition key holds cluster-wide (a unique index, migration
 * 006): a node that raised a key another node already has open, before it heard
 * of it, has its alert folded into that one (foldDuplicate) and is told so.
 */
export function pgAlertRows(
  pg: PgDatabase,
  options: {
    url: string;
    node: string;
    logger: Logger;
    flush(): Promise<void>;
    /** This node's alert `duplicateId` was a second open alert for its key: it was folded `into` the one stored first (see foldDuplicate). */
    onDuplicate?(duplicateId: string, into: Alert): void;
  }
): PgAlertRows {
  const readAlerts = async (ids: readonly string[]) => {
    if (!ids.length) return [];
    const result = await sql<{ body: string }>`SELECT body FROM alerts WHERE id = ANY(${ids as string[]})`.execute(pg.db);
    return result.rows.map((r) => parseStoredAlert(r.body, options.logger)).filter((a): a is Alert => a !== null);
  };
  const writeAlerts = async (trx: Transaction<PgSchema>, alerts: readonly Alert[], forgotten: readonly string[]) => {
    // Writers of the same condition key take turns (locks taken in one order, so they cannot deadlock):
    // whether a key already has an open alert cannot change under a writer who is about to add one.
    const locks = [...new Set(alerts.map((a) => keyLock(a.key)))].sort((x, y) => x - y);
    if (locks.length) await sql`SELECT pg_advisory_xact_lock(${KEY_LOCK_SPACE}, h) FROM unnest(${locks}::int4[]) AS h`.execute(trx);
    const ids = alerts.map((a) => a.id).sort();
    // Locked in id order, so two nodes writing overlapping batches cannot deadlock.
    const stored = await sql<{ id: string; body: string }>`SELECT id, body FROM alerts WHERE id = ANY(${ids}) ORDER BY id FOR UPDATE`.execute(trx);
    const storedById = new Map(stored.rows.map((r) => [r.id, parseStoredAlert(r.body, options.logger)]));
    const changed = new Set(ids);
    const folded: Array<{ duplicateId: string; into: Alert }> = [];
    for (const mine of alerts) {
      const theirs = storedById.get(mine.id);
      if (!theirs && !mine.cleared_at) {
        const open = await sql<{ body: string }>`SELECT body FROM alerts WHERE key = ${mine.key} AND cleared_at IS NULL FOR UPDATE`.execute(trx);
        const kept = open.rows[0] ? parseStoredAlert(open.rows[0].body, options.logger) : null;
        if (kept && kept.id !== mine.id) {
          const into = foldDuplicate(kept, mine);
          await upsertAlert(trx, into);
          folded.push({ duplicateId: mine.id, into });
          changed.delete(mine.id);
          changed.add(into.id);
          continue;
        }
      }
      await upsertAlert(trx, theirs ? mergeAlert(theirs, mine) : mine);
    }
    if (forgotten.length) await sql`DELETE FROM alerts WHERE id = ANY(${forgotten as string[]})`.execute(trx);
    const notify = [...changed];
    for (let i = 0; i < notify.length; i += IDS_PER_NOTICE) {
      const notice: Notice = { node: options.node, ids: notify.slice(i, i + IDS_PER_NOTICE) };
      await sql`SELECT pg_notify(${CHANNEL}, ${JSON.stringify(notice)})`.execute(trx);
    }
    return folded;
  };
  return {
    async write(alerts, forgotten) {
      const folded = await retryOnDeadlock(() => pg.db.transaction().execute((trx) => writeAlerts(trx, alerts, forgotten)));
      for (const { duplicateId, into } of folded) options.onDuplicate?.(duplicateId, into);
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
