import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import type { LogStorage } from '../core/log/storage/LogStorage';
import { writeCheckpoint } from '../core/log/storage/postgres/pgCheckpoints';
import { openPostgres } from '../core/log/storage/postgres/pgDatabase';
import { openPostgresLog } from '../core/log/storage/postgres/pgLogStorage';
import { checkPostgresSchema } from '../core/log/storage/postgres/pgReady';
import { deriveLogKeys, type LogKeys } from '../core/log/store/chain';
import { createLogWriter, type LogWriter } from '../core/log/write/writer';
import { createSecretScrubber } from '../core/logger';
import { cliActor } from '../core/log/standalone';
import { UsageError } from './args';
import { defaultDataDir } from './commands/serve';

/** A cluster's socket log for `export` and `retention`: its storage, and a writer for the access record each command leaves. */
export interface ClusterLogCli {
  storage: LogStorage;
  writer: LogWriter;
  keys: LogKeys;
  actor: string;
  /** Where retention archives go (`<dir>/archive/`). */
  dataDir: string;
  close(): Promise<void>;
}

/** The log secret every node shares: it keys the chains and signs exports, so the command needs it too. */
export function clusterLogKeys(): LogKeys {
  const secret = process.env.SWITCHBOARD_LOG_SECRET;
  if (!secret) throw new UsageError("The cluster's log needs its shared secret in SWITCHBOARD_LOG_SECRET (the one every node has).");
  return deriveLogKeys(secret);
}

/**
 * Opens the cluster's log as a short-lived writer of its own: its access
 * records go on a chain of their own (as a node's do), sealed by a checkpoint
 * when the command ends, so `switchboard verify --postgres-url` covers them.
 */
export async function openClusterLogCli(url: string, options: { actor: string | undefined; dataDir: string | undefined }): Promise<ClusterLogCli> {
  const keys = clusterLogKeys();
  const pg = openPostgres(url, { max: 3, applicationName: 'switchboard cli' });
  const logger = pino({ level: 'warn' }, pino.destination(2));
  const node = `cli@${os.hostname()}`;
  try {
    await checkPostgresSchema(pg, url);
  } catch (err) {
    await pg.close();
    throw new UsageError((err as Error).message);
  }
  const dataDir = path.resolve(options.dataDir ?? defaultDataDir());
  try {
    const postgres = await openPostgresLog({ pg, keys, node, dataDir, logger, checkpointIntervalMs: 60_000 });
    const writer = createLogWriter({ storage: postgres.storage, scrubber: createSecretScrubber([]), logger });
    return {
      storage: postgres.storage,
      writer,
      keys,
      actor: cliActor(options.actor),
      dataDir,
      async close() {
        try {
          await writer.close();
          await postgres.storage.close();
          await writeCheckpoint(pg, keys.mac, node);
        } finally {
          await pg.close();
        }
      }
    };
  } catch (err) {
    await pg.close();
    throw err;
  }
}
