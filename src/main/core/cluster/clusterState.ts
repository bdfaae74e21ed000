import { Kysely, PostgresDialect } from 'kysely';
import type { Logger } from 'pino';
import type { AlertCenter } from '../alerts/alertCenter';
import { createCoalescingAlertStore, type AlertStore } from '../alerts/alertStore';
import type { RevocationRows } from '../auth/revocations';
import type { DatabaseSchema } from '../db/schema';
import { openPostgres, type PgDatabase } from '../log/storage/postgres/pgDatabase';
import { checkPostgresSchema } from '../log/storage/postgres/pgReady';
import type { ClusterConfig } from './clusterConfig';
import type { CentreSettingRows } from '../dispatch/centreSettingRows';
import { pgAlertRows, type PgAlertRows } from './pgAlertRows';
import { pgCentreSettingRows } from './pgCentreSettingRows';
import { pgRevocationRows } from './pgRevocationRows';

/**
 * Cluster mode's shared state (issue #18: "everything that must survive a node
 * lives in PostgreSQL"): the stores createCore builds before any domain
 * (operators, revocations, the device registry, alerts) and those the domains
 * use later (hospitals, ambulance requests, the staleness watchdog), on the
 * cluster's PostgreSQL instead of the node's SQLite. Opened before the domains,
 * so it checks first that PostgreSQL answers and has the schema.
 */
export interface ClusterState {
  pg: PgDatabase;
  /**
   * The PostgreSQL tables that keep the SQLite tables' shape (operators,
   * token_revocations, issued_tokens, hospitals; migration 004) typed as the
   * node database, so the stores' kysely code runs unchanged on either engine.
   * Only those tables exist here.
   */
  db: Kysely<DatabaseSchema>;
  revocationRows: RevocationRows;
  /** Centre-wide settings (thresholds, run cards), which every node must apply at once. */
  centreSettingRows: CentreSettingRows;
  alertStore: AlertStore;
  claimEscalation: PgAlertRows['claimEscalation'];
  /** Folds other nodes' alert changes into this node's alert center from now on. */
  followAlerts(alerts: AlertCenter): Promise<void>;
  node: string;
  /** For stores that LISTEN for other nodes' changes on a connection of their own. */
  listen: { url: string; node: string; logger: Logger };
  close(): Promise<void>;
}

export async function openClusterState(config: ClusterConfig, logger: Logger): Promise<ClusterState> {
  const log = logger.child({ domain: 'cluster', node: config.nodeName });
  const pg = openPostgres(config.postgresUrl, { max: 4, applicationName: `switchboard ${config.nodeName} state`, onConnectionError: (err) => log.warn({ err }, 'a PostgreSQL connection failed; it is replaced on next use') });
  const closers: Array<() => Promise<void>> = [() => pg.close()];
  try {
    await checkPostgresSchema(pg, config.postgresUrl);
    // Not destroyed on its own: it shares pg's pool, which pg.close() ends.
    const db = new Kysely<DatabaseSchema>({ dialect: new PostgresDialect({ pool: pg.pool }) });
    const listen = { url: config.postgresUrl, node: config.nodeName, logger: log };
    let alertStore: AlertStore | null = null;
    let followed: AlertCenter | null = null;
    const alertRows = pgAlertRows(pg, {
      ...listen,
      flush: () => alertStore?.flush() ?? Promise.resolve(),
      onDuplicate: (duplicateId, into) => followed?.absorbDuplicate(duplicateId, into)
    });
    alertStore = createCoalescingAlertStore(alertRows, log.child({ domain: 'alerts' }));
    return {
      pg,
      db,
      node: config.nodeName,
      listen,
      revocationRows: pgRevocationRows(pg, listen),
      centreSettingRows: pgCentreSettingRows(pg, listen),
      alertStore,
      claimEscalation: (alert, at) => alertRows.claimEscalation(alert, at),
      async followAlerts(alerts) {
        followed = alerts;
        const listener = await alertRows.watch((alert) => alerts.applyRemote(alert));
        closers.push(() => listener.close());
      },
      async close() {
        for (const close of closers.reverse()) await close().catch(() => undefined);
      }
    };
  } catch (err) {
    await pg.close().catch(() => undefined);
    throw err;
  }
}
