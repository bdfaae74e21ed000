import os from 'node:os';
import pino from 'pino';
import { openDatabase, type Database } from '../db/database';
import { createSecretScrubber } from '../logger';
import type { LogKeys } from './store/chain';
import { loadGuardedLogKeys } from './integrity/keyGuard';
import { createGroupCommitWriter, type GroupCommitWriter } from './write/writer';

/**
 * The log without a running core, for the CLI (export, verify, retention): the
 * data directory's database, keys and a writer for access records. Safe beside a
 * running core on the same file: chain heads are read inside each write transaction.
 */
export interface LogCliContext {
  dataDir: string;
  database: Database;
  keys: LogKeys;
  writer: GroupCommitWriter;
  actor: string;
  close(): Promise<void>;
}

/** The person running the command, for the access log (`--actor` wins over the OS account). */
export function cliActor(flag: string | undefined): string {
  if (flag) return flag.slice(0, 128);
  try {
    return os.userInfo().username;
  } catch {
    return 'cli';
  }
}

/** `logLevel` 'silent' for commands that report failures themselves in one sentence (verify). */
export async function openStandaloneLog(dataDir: string, actorFlag: string | undefined, options: { logLevel?: string } = {}): Promise<LogCliContext> {
  const database = await openDatabase(dataDir);
  let keys: LogKeys;
  try {
    keys = loadGuardedLogKeys(dataDir, database.sqlite);
  } catch (err) {
    await database.close();
    throw err;
  }
  const logger = pino({ level: options.logLevel ?? 'warn' }, pino.destination(2));
  const writer = createGroupCommitWriter({ database, keys, scrubber: createSecretScrubber([]), logger });
  return {
    dataDir,
    database,
    keys,
    writer,
    actor: cliActor(actorFlag),
    async close() {
      await writer.close();
      await database.close();
    }
  };
}
