import fs from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import pino from 'pino';
import { writeCheckpoint } from '../../../src/main/core/log/storage/postgres/pgCheckpoints';
import { openPostgres } from '../../../src/main/core/log/storage/postgres/pgDatabase';
import { openPostgresLog } from '../../../src/main/core/log/storage/postgres/pgLogStorage';
import { deriveLogKeys } from '../../../src/main/core/log/store/chain';
import type { SocketLogWriter } from '../../../src/main/core/log/types';
import { createLogWriter } from '../../../src/main/core/log/write/writer';
import { createSecretScrubber } from '../../../src/main/core/logger';
import { tempDir, type TestCore } from '../../helpers/core';
import { MODE_LOG_SECRET, modeCoreConfig, TEST_MODE } from '../../helpers/testMode';
import { dbBytes, openLogFixture, runCli } from './helpers';

/**
 * What the log stored, whichever storage the test mode gave the core: the bytes
 * of the SQLite files, or in cluster mode every row, update record and access
 * record of the core's PostgreSQL database as text. Call it after the core closed.
 */
export async function storedLogText(t: TestCore): Promise<string> {
  const cluster = t.core.config.cluster as { postgresUrl?: string } | undefined;
  if (TEST_MODE !== 'cluster' || !cluster?.postgresUrl) return dbBytes(path.join(t.dataDir, 'switchboard.db')).toString('latin1');
  const client = new pg.Client({ connectionString: cluster.postgresUrl });
  await client.connect();
  try {
    const parts: string[] = [];
    for (const table of ['socket_logs', 'socket_log_updates', 'socket_log_access', 'client_event_ids']) {
      const res = await client.query<{ text: string | null }>(`SELECT string_agg(t::text, E'\\n') AS text FROM ${table} t`);
      parts.push(res.rows[0]?.text ?? '');
    }
    return parts.join('\n');
  } finally {
    await client.end();
  }
}

/**
 * Exports the whole log to NDJSON with the CLI, as an auditor would, and
 * returns the file's text: from the data directory on SQLite, or in cluster mode
 * from the core's PostgreSQL (`--postgres-url`, with the cluster's log secret).
 * `closeCore` is called first: the CLI runs beside no core.
 */
export async function exportEverything(t: TestCore, closeCore: () => Promise<void>): Promise<string> {
  const exportFile = path.join(t.dataDir, 'all.ndjson');
  const postgresUrl = TEST_MODE === 'cluster' ? (t.core.config.cluster as { postgresUrl?: string } | undefined)?.postgresUrl : undefined;
  await closeCore();
  const target = postgresUrl ? ['--postgres-url', postgresUrl] : ['--data-dir', t.dataDir];
  const secretBefore = process.env.SWITCHBOARD_LOG_SECRET;
  // In process (runCli calls the CLI's main): the cluster's secret goes where the command reads it, and back.
  if (postgresUrl) process.env.SWITCHBOARD_LOG_SECRET = MODE_LOG_SECRET;
  try {
    const run = await runCli(['export', '--format', 'ndjson', '--out', exportFile, ...target, '--quiet']);
    if (run.code !== 0) throw new Error(`switchboard export failed: ${run.stderr}`);
  } finally {
    if (secretBefore === undefined) delete process.env.SWITCHBOARD_LOG_SECRET;
    else process.env.SWITCHBOARD_LOG_SECRET = secretBefore;
  }
  return fs.readFileSync(exportFile, 'utf8');
}

/** A log for the CLI to read, written directly (no core): where it is, as the CLI's flags, and a writer. */
export interface CliLogFixture {
  /** `--data-dir DIR` on SQLite, `--postgres-url URL` in cluster mode (the secret is in SWITCHBOARD_LOG_SECRET). */
  target: string[];
  writer: SocketLogWriter;
  close(): Promise<void>;
}

/**
 * Opens an empty log in the test mode's storage: a data directory's SQLite
 * file, or in cluster mode a fresh PostgreSQL database of the mode's server,
 * written through a node incarnation of its own and sealed by a checkpoint on
 * close (so `verify` finds every chain sealed).
 */
export async function openCliLogFixture(): Promise<CliLogFixture> {
  if (TEST_MODE !== 'cluster') {
    const fx = await openLogFixture();
    return { target: ['--data-dir', fx.dataDir], writer: fx.writer, close: () => fx.close() };
  }
  const dataDir = tempDir('switchboard-cli-log-');
  const url = String((await modeCoreConfig(dataDir)).cluster?.postgresUrl);
  // The CLI runs in this process (runCli): the cluster's secret is where it reads it.
  process.env.SWITCHBOARD_LOG_SECRET = MODE_LOG_SECRET;
  const keys = deriveLogKeys(MODE_LOG_SECRET);
  const database = openPostgres(url, { max: 2 });
  const logger = pino({ level: 'silent' });
  const postgres = await openPostgresLog({ pg: database, keys, node: 'fixture', dataDir, logger, checkpointIntervalMs: 60_000 });
  const writer = createLogWriter({ storage: postgres.storage, scrubber: createSecretScrubber([]), logger });
  return {
    target: ['--postgres-url', url],
    writer,
    async close() {
      await writer.close();
      await postgres.storage.close();
      await writeCheckpoint(database, keys.mac, 'fixture');
      await database.close();
    }
  };
}
