import Sqlite from 'better-sqlite3';
import path from 'node:path';
import { loadLogKeys } from '../../../src/main/core/log/store/chain';
import { verifyLogFile } from '../../../src/main/core/log/integrity/verify';
import type { VerifyReport } from '../../../src/shared/contract/log';
import { runCli } from '../cli';

export const dbFileOf = (dataDir: string) => path.join(dataDir, 'switchboard.db');

export interface LogCheck {
  integrity: string;
  rows: number;
  /** Acked ids with no row, or a row that does not carry the event that was acked. */
  missing: number[];
  mismatched: number[];
  verify: VerifyReport;
  /** Result of `switchboard verify` when the CLI has the command (null when it does not yet). */
  cliVerify: { code: number | null; output: string } | null;
}

/**
 * Reads the socket log of a data directory on its own read-only connection (safe
 * while serve runs): PRAGMA integrity_check, the HMAC chains through the log's
 * own verifier, and whether every acknowledged event is there with its payload.
 * `acked` maps a log id (from the ack) to a marker the row's event_data must contain.
 */
export async function checkLog(dataDir: string, acked: ReadonlyMap<number, string>): Promise<LogCheck> {
  const file = dbFileOf(dataDir);
  const sqlite = new Sqlite(file, { readonly: true, fileMustExist: true });
  let integrity: string;
  let rows: number;
  const missing: number[] = [];
  const mismatched: number[] = [];
  try {
    sqlite.pragma('busy_timeout = 5000');
    integrity = (sqlite.pragma('integrity_check') as Array<{ integrity_check: string }>).map((r) => r.integrity_check).join('; ');
    rows = (sqlite.prepare('SELECT count(*) AS n FROM socket_logs').get() as { n: number }).n;
    const byId = sqlite.prepare('SELECT event_data FROM socket_logs WHERE id = ?');
    for (const [id, marker] of acked) {
      const row = byId.get(id) as { event_data: string | null } | undefined;
      if (!row) missing.push(id);
      else if (!row.event_data?.includes(marker)) mismatched.push(id);
    }
  } finally {
    sqlite.close();
  }
  const verify = await verifyLogFile(file, loadLogKeys(dataDir).mac);
  const cli = runCli(['verify', '--data-dir', dataDir]);
  const cliVerify = /Unknown command "verify"/.test(cli.stderr) ? null : { code: cli.code, output: (cli.stdout + cli.stderr).slice(-2000) };
  return { integrity, rows, missing, mismatched, verify, cliVerify };
}
