import Sqlite from 'better-sqlite3';
import fs from 'node:fs';
import path from 'node:path';
import { integrityProblems } from '../../core/db/database';
import { parseFlags } from '../args';
import type { CliCommand } from '../command';
import { EXIT, reasonOf } from '../exitCodes';
import { defaultDataDir } from './serve';

/** At most this many problems are printed; integrity_check stops collecting there as well. */
const MAX_PROBLEMS = 100;

export interface IntegrityReport {
  ok: boolean;
  problems: string[];
  durationMs: number;
}

/**
 * PRAGMA integrity_check on a read-only connection: every page, index and
 * constraint, so it takes a while on a big log (serve only runs the quicker
 * quick_check at start and on a timer). Safe beside a running server. An empty
 * file passes integrity_check (it is an empty database), so a file without the
 * socket log's tables is reported too.
 */
export function checkDatabaseFile(file: string): IntegrityReport {
  const started = performance.now();
  const sqlite = new Sqlite(file, { readonly: true, fileMustExist: true });
  try {
    sqlite.pragma('busy_timeout = 5000');
    const problems = integrityProblems(sqlite, 'integrity_check', MAX_PROBLEMS);
    const hasLog = sqlite.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'socket_logs'").get() !== undefined;
    if (!hasLog) problems.push('the file holds no socket log (it is empty, truncated, or not a Switchboard database)');
    return { ok: problems.length === 0, problems, durationMs: Math.round(performance.now() - started) };
  } finally {
    sqlite.close();
  }
}

export const checkCommand: CliCommand = {
  name: 'check',
  summary: 'Full integrity check of the database (exit 0 ok, 1 damaged, 3 could not run).',
  usage: 'switchboard check [--data-dir DIR] [--json]',
  async run(argv) {
    const v = parseFlags(argv, { 'data-dir': { type: 'string' }, json: { type: 'boolean' } });
    const file = path.join(path.resolve(v['data-dir'] ?? defaultDataDir()), 'switchboard.db');
    if (!fs.existsSync(file)) {
      process.stderr.write(`switchboard check: ${file} does not exist; pass the --data-dir of the installation to check.\n`);
      return EXIT.COULD_NOT_RUN;
    }
    let report: IntegrityReport;
    try {
      report = checkDatabaseFile(file);
    } catch (err) {
      const code = (err as { code?: string }).code;
      if (code === 'SQLITE_NOTADB' || code === 'SQLITE_CORRUPT') {
        report = { ok: false, problems: [`SQLite cannot read it: ${reasonOf(err)}`], durationMs: 0 };
      } else {
        process.stderr.write(`switchboard check: could not check ${file}: ${reasonOf(err)}; nothing was concluded about its integrity.\n`);
        return EXIT.COULD_NOT_RUN;
      }
    }
    if (v.json) process.stdout.write(JSON.stringify({ file, ...report }, null, 2) + '\n');
    else if (report.ok) process.stdout.write(`OK: ${file} passes the full integrity check (${report.durationMs} ms).\n`);
    else {
      process.stdout.write(
        `DAMAGED: ${file} fails the integrity check:\n${report.problems.map((p) => `  - ${p}`).join('\n')}\n` +
          'Stop Switchboard, keep a copy of the data directory, and restore switchboard.db from the latest backup.\n'
      );
    }
    return report.ok ? EXIT.OK : EXIT.FAILED;
  }
};
