import pino from 'pino';
import { deriveLogKeys, type LogKeys } from '../../../src/main/core/log/store/chain';
import type { LogStorage } from '../../../src/main/core/log/storage/LogStorage';
import type { PgDatabase } from '../../../src/main/core/log/storage/postgres/pgDatabase';
import { openPostgresLog, type PostgresLog } from '../../../src/main/core/log/storage/postgres/pgLogStorage';
import { createLogWriter, type LogWriter } from '../../../src/main/core/log/write/writer';
import { createSecretScrubber } from '../../../src/main/core/logger';
import { tempDir } from '../../helpers/core';

export const silent = pino({ level: 'silent' });

/** The keys every node of a test cluster shares (from the cluster's log secret). */
export const clusterKeys = (secret = 'a-shared-cluster-log-secret-of-enough-length-0123456789'): LogKeys => deriveLogKeys(secret);

/** One node's socket log on PostgreSQL, as the log service builds it: the service's writer over the PostgreSQL storage. */
export interface PgLogNode {
  writer: LogWriter;
  storage: LogStorage;
  postgres: PostgresLog;
  dataDir: string;
  close(): Promise<void>;
}

/** Starts a node's log (its own chain incarnation) on a migrated database; checkpoints only when a test asks (interval of a minute). */
export async function startPgLogNode(pg: PgDatabase, node: string, keys: LogKeys, options: { maxBatch?: number; now?: () => number } = {}): Promise<PgLogNode> {
  const dataDir = tempDir('switchboard-pglog-');
  const postgres = await openPostgresLog({ pg, keys, node, dataDir, logger: silent, checkpointIntervalMs: 60_000, now: options.now });
  const writer = createLogWriter({ storage: postgres.storage, scrubber: createSecretScrubber([]), logger: silent, maxBatch: options.maxBatch, now: options.now });
  return {
    writer,
    storage: postgres.storage,
    postgres,
    dataDir,
    async close() {
      await writer.close();
      await postgres.storage.close();
    }
  };
}
