import type { Logger } from 'pino';
import type { AlertCenter } from '../../alerts/alertCenter';
import type { ClusterConfig } from '../../cluster/clusterConfig';
import type { Database } from '../../db/database';
import type { LogConfig } from '../config';
import type { LogFileGuard } from '../integrity/fileGuard';
import { deriveLogKeys, type LogKeys } from '../store/chain';
import type { UserIndexer } from '../userIndex/userIndexer';
import type { LogStorage } from './LogStorage';
import { openPostgres } from './postgres/pgDatabase';
import { openPostgresLog, type PostgresLog } from './postgres/pgLogStorage';
import { checkPostgresSchema } from './postgres/pgReady';
import { openSqliteLog } from './sqlite/sqliteLogStorage';

export interface OpenLogStorageOptions {
  database: Database;
  dataDir: string;
  logger: Logger;
  alerts: AlertCenter;
  config: LogConfig;
  /** Cluster mode: the log lives in the cluster's PostgreSQL, not in the node's SQLite file. */
  cluster: ClusterConfig | null;
}

/** The storage the log service runs on, and the upkeep it shows (SQLite's files, or the cluster's chain). */
export interface OpenedLogStorage {
  storage: LogStorage;
  keys: LogKeys;
  guard: Pick<LogFileGuard, 'fenced' | 'probe' | 'refusal' | 'onCommitError' | 'close'>;
  checkpoint(): { log: number; checkpointed: number } | null;
  userIndex: Pick<UserIndexer, 'runNow' | 'last'>;
  /** Cluster mode only: this node's chain and its lost-commit checks. */
  postgres: PostgresLog | null;
}

/** Nothing to guard on PostgreSQL: the server owns its files, and a failed commit is answered as such. */
const NO_FILE_GUARD: OpenedLogStorage['guard'] = { fenced: () => null, probe: () => null, refusal: () => null, onCommitError: () => undefined, close: () => undefined };
/** PostgreSQL's per-user index is an ordinary btree: there is no indexer to run. */
const NO_USER_INDEXER: OpenedLogStorage['userIndex'] = { runNow: async () => ({ rows: 0, behind: 0, pruned: 0 }), last: () => null };

/**
 * Opens the socket log's storage (storage/LogStorage.ts): the node's SQLite
 * file, or in cluster mode the cluster's PostgreSQL with the shared log secret
 * (every node verifies and signs with the same keys).
 */
export async function openLogStorage(options: OpenLogStorageOptions): Promise<OpenedLogStorage> {
  const { cluster, logger } = options;
  if (!cluster) {
    const sqlite = openSqliteLog(options);
    return { ...sqlite, postgres: null };
  }
  const pg = openPostgres(cluster.postgresUrl, {
    max: cluster.postgresPoolSize,
    applicationName: `switchboard ${cluster.nodeName} log`,
    onConnectionError: (err) => logger.warn({ err }, 'a PostgreSQL connection of the socket log failed; it is replaced on next use')
  });
  try {
    await checkPostgresSchema(pg, cluster.postgresUrl);
    const keys = deriveLogKeys(cluster.logSecret);
    const postgres = await openPostgresLog({ pg, keys, node: cluster.nodeName, dataDir: options.dataDir, logger, checkpointIntervalMs: cluster.checkpointIntervalMs });
    const storage: LogStorage = {
      ...postgres.storage,
      async close() {
        await postgres.storage.close();
        await pg.close();
      }
    };
    return { storage, keys, guard: NO_FILE_GUARD, checkpoint: () => null, userIndex: NO_USER_INDEXER, postgres: { ...postgres, storage } };
  } catch (err) {
    await pg.close();
    throw err;
  }
}
