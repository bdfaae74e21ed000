import fs from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import type { TestCore } from '../../helpers/core';
import { MODE_LOG_SECRET, TEST_MODE } from '../../helpers/testMode';
import { dbBytes, runCli } from './helpers';

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
