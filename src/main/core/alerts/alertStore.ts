import type { Kysely } from 'kysely';
import { AlertSchema, type Alert } from '../../../shared/contract/alerts';
import type { DatabaseSchema } from '../db/schema';
import type { Logger } from '../logger';

export interface AlertStore {
  /** Open alerts and the newest `keepResolved` resolved ones, as they were last written. */
  load(keepResolved: number): Promise<Alert[]>;
  /**
   * Writes the alert's current state (batched: every change in one event-loop
   * turn is one transaction). `lazy` (a monitor refreshing an open alert's
   * text) waits up to LAZY_WRITE_MS instead: abnormal vitals refresh their
   * alert on every reading, and a disk write per reading would load the hub.
   */
  save(alert: Alert, lazy?: boolean): void;
  /** Forgets resolved alerts the centre no longer keeps. */
  forget(ids: readonly string[]): void;
  /** Resolves once everything saved so far is committed. */
  flush(): Promise<void>;
}

/**
 * Where alerts are kept between restarts. Writes are coalesced per turn: an
 * alert refreshed by a monitor many times a second costs one row write, and the
 * hub never waits for them. An acknowledgement is answered only after
 * `flush()` (alertHandlers), so an answered acknowledgement is on disk; other
 * changes may be lost in a crash within that one turn, and a lost receipt
 * leaves the alert less settled than it was, never more (the safe side).
 */
const LAZY_WRITE_MS = 1_000;

/** Where the rows go: the node's SQLite, or the cluster's PostgreSQL (cluster/pgAlertRows.ts, which merges with other nodes' writes). */
export interface AlertRows {
  /** Writes these alerts' current state and deletes the forgotten ones, in one transaction. */
  write(alerts: readonly Alert[], forgotten: readonly string[]): Promise<void>;
  /** Bodies (JSON) of the open alerts and the newest `keepResolved` resolved ones. */
  loadBodies(keepResolved: number): Promise<string[]>;
}

export function sqliteAlertRows(db: Kysely<DatabaseSchema>): AlertRows {
  return {
    async write(alerts, gone) {
      await db.transaction().execute(async (trx) => {
        for (const a of alerts) {
          const row = { id: a.id, key: a.key, raised_at: a.raised_at, cleared_at: a.cleared_at, body: JSON.stringify(a) };
          await trx
            .insertInto('alerts')
            .values(row)
            .onConflict((oc) => oc.column('id').doUpdateSet({ key: row.key, cleared_at: row.cleared_at, body: row.body }))
            .execute();
        }
        if (gone.length) await trx.deleteFrom('alerts').where('id', 'in', gone).execute();
      });
    },
    async loadBodies(keepResolved) {
      const open = await db.selectFrom('alerts').select('body').where('cleared_at', 'is', null).execute();
      const resolved = await db
        .selectFrom('alerts')
        .select('body')
        .where('cleared_at', 'is not', null)
        .orderBy('raised_at', 'desc')
        .limit(keepResolved)
        .execute();
      return [...open, ...resolved].map((r) => r.body);
    }
  };
}

/** Reads a stored alert body; null (and a warning) when it does not parse. */
export function parseStoredAlert(body: string, logger: Logger): Alert | null {
  let raw: unknown;
  try {
    raw = JSON.parse(body);
  } catch {
    raw = null;
  }
  const parsed = AlertSchema.safeParse(raw);
  if (parsed.success) return parsed.data;
  logger.warn('a stored alert could not be read; it is skipped');
  return null;
}

export function createAlertStore(db: Kysely<DatabaseSchema>, logger: Logger): AlertStore {
  return createCoalescingAlertStore(sqliteAlertRows(db), logger);
}

export function createCoalescingAlertStore(rows: AlertRows, logger: Logger): AlertStore {
  const dirty = new Map<string, Alert>();
  const forgotten = new Set<string>();
  let writing: Promise<void> = Promise.resolve();
  let scheduled = false;
  let lazyTimer: NodeJS.Timeout | null = null;

  const write = async () => {
    scheduled = false;
    if (lazyTimer) clearTimeout(lazyTimer);
    lazyTimer = null;
    const alerts = [...dirty.values()];
    const gone = [...forgotten];
    dirty.clear();
    forgotten.clear();
    if (!alerts.length && !gone.length) return;
    await rows.write(alerts, gone);
  };
  const schedule = () => {
    if (scheduled) return;
    scheduled = true;
    setImmediate(() => {
      writing = writing.then(write).catch((err: unknown) => logger.error({ err }, 'alerts could not be saved'));
    });
  };

  return {
    async load(keepResolved) {
      const alerts: Alert[] = [];
      for (const body of await rows.loadBodies(keepResolved)) {
        const alert = parseStoredAlert(body, logger);
        if (alert) alerts.push(alert);
      }
      return alerts;
    },
    save(alert, lazy = false) {
      dirty.set(alert.id, alert);
      forgotten.delete(alert.id);
      if (!lazy) return schedule();
      if (scheduled || lazyTimer) return;
      lazyTimer = setTimeout(() => {
        lazyTimer = null;
        schedule();
      }, LAZY_WRITE_MS);
      lazyTimer.unref();
    },
    forget(ids) {
      for (const id of ids) {
        dirty.delete(id);
        forgotten.add(id);
      }
      if (ids.length) schedule();
    },
    async flush() {
      if (lazyTimer) clearTimeout(lazyTimer);
      lazyTimer = null;
      if (scheduled || dirty.size || forgotten.size) {
        scheduled = false;
        writing = writing.then(write);
      }
      await writing;
    }
  };
}
