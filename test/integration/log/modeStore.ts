import fs from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import type { TestCore } from '../../helpers/core';
import { TEST_MODE } from '../../helpers/testMode';
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
 * Exports the whole log to NDJSON and returns the file's text: with the CLI from
 * the data directory on SQLite (after the core closed), or in cluster mode
 * through the core's own export job (the CLI reads a data directory, which holds
 * no log in a cluster). `closeCore` is called in between as each mode needs.
 */
export async function exportEverything(t: TestCore, closeCore: () => Promise<void>): Promise<string> {
  const exportFile = path.join(t.dataDir, 'all.ndjson');
  if (TEST_MODE === 'cluster') {
    const { exports } = t.core.services.log;
    const { job, done } = exports.start({ actor: 'test', role: 'auditor', channel: 'rest' }, 'ndjson', {}, {});
    const finished = await done;
    if (finished.state !== 'done') throw new Error(`the export failed: ${finished.error}`);
    const text = fs.readFileSync(exports.file(job.id, 'data').path, 'utf8');
    await closeCore();
    return text;
  }
  await closeCore();
  const run = await runCli(['export', '--format', 'ndjson', '--out', exportFile, '--data-dir', t.dataDir, '--quiet']);
  if (run.code !== 0) throw new Error(`switchboard export failed: ${run.stderr}`);
  return fs.readFileSync(exportFile, 'utf8');
}
