import Sqlite from 'better-sqlite3';
import { createPublicKey, type KeyObject } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { deriveLogKeys, LOG_KEY_FILE } from '../../core/log/store/chain';
import { verifyArchiveFile } from '../../core/log/integrity/archiveVerify';
import { verifyExportFile } from '../../core/log/integrity/manifest';
import { verifyLogFile } from '../../core/log/integrity/verify';
import { keyFit, wrongKeySentence } from '../../core/log/integrity/keyGuard';
import { secretFileProblem } from '../../core/auth/secretFile';
import type { VerifyReport } from '../../../shared/contract/log';
import { EXIT, reasonOf } from '../exitCodes';
import { parseFlags, UsageError } from '../args';
import type { CliCommand } from '../command';
import { openStandaloneLog } from '../../core/log/standalone';
import { defaultDataDir } from './serve';
import { verifyClusterLog } from './migrate';
import { clusterPostgresUrl } from '../accountStore';
import { clusterLogKeys } from '../clusterLog';

function trustedKey(dataDir: string, publicKeyFile: string | undefined): KeyObject {
  if (publicKeyFile) {
    const text = fs.readFileSync(publicKeyFile, 'utf8');
    return text.includes('BEGIN PUBLIC KEY')
      ? createPublicKey(text)
      : createPublicKey({ key: Buffer.from(text.trim(), 'base64'), format: 'der', type: 'spki' });
  }
  const keyFile = path.join(dataDir, LOG_KEY_FILE);
  if (!fs.existsSync(keyFile)) throw new UsageError(`No log key in ${dataDir}; pass --data-dir of the installation that made the export, or --public-key FILE.`);
  return deriveLogKeys(fs.readFileSync(keyFile, 'utf8').trim()).verifying;
}

/** The log key as stored, or why it cannot be the key of this log (missing, empty, not a key). */
function storedLogKey(dataDir: string): { mac: Buffer } | { problem: string } {
  const keyFile = path.join(dataDir, LOG_KEY_FILE);
  let text: string;
  try {
    text = fs.readFileSync(keyFile, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { problem: `${keyFile} is missing` };
    throw err;
  }
  const problem = secretFileProblem(text);
  return problem ? { problem: `${keyFile} ${problem}` } : { mac: deriveLogKeys(text.trim()).mac };
}

/**
 * Verifies the log's chains and records the verification in the access log.
 * Exit codes (README): 0 verifies, 1 tampered, 3 could not run or could not be
 * recorded (a full disk: said in one sentence, no stack trace), 4 wrong key.
 */
async function verifyLog(dataDir: string, actorFlag: string | undefined, json: boolean): Promise<number> {
  const file = path.join(dataDir, 'switchboard.db');
  const couldNotRun = (what: string, err?: unknown) => {
    process.stderr.write(`switchboard verify: ${what}${err === undefined ? '' : `: ${reasonOf(err)}`}; nothing was concluded about tampering.\n`);
    return EXIT.COULD_NOT_RUN;
  };
  if (!fs.existsSync(file)) return couldNotRun(`${file} does not exist; pass the --data-dir of the installation to verify`);
  let key: ReturnType<typeof storedLogKey>;
  try {
    key = storedLogKey(dataDir);
  } catch (err) {
    return couldNotRun('could not read the log key', err);
  }
  if ('problem' in key) {
    process.stderr.write(`WRONG KEY: ${key.problem}; the log can only be verified with the key it was sealed with: restore socket-log.key from a backup.\n`);
    return EXIT.WRONG_KEY;
  }
  let report: VerifyReport;
  try {
    const probe = new Sqlite(file, { readonly: true, fileMustExist: true });
    let fit: ReturnType<typeof keyFit>;
    try {
      fit = keyFit(probe, key.mac);
    } finally {
      probe.close();
    }
    if (fit === 'wrong-key') {
      process.stderr.write(`WRONG KEY: ${wrongKeySentence(dataDir)}\n`);
      return EXIT.WRONG_KEY;
    }
    report = await verifyLogFile(file, key.mac);
  } catch (err) {
    return couldNotRun(`could not read ${file}`, err);
  }
  if (json) process.stdout.write(JSON.stringify(report, null, 2) + '\n');
  else if (report.ok) {
    process.stdout.write(
      `OK: ${report.checked.rows} rows, ${report.checked.updates} updates and ${report.checked.access} access records verify (rows head #${report.heads.rows?.head_id ?? 0}, anchor #${report.heads.rows?.anchor_id ?? 0}).\n`
    );
  } else {
    const first = report.first_bad!;
    process.stdout.write(`TAMPERED: first bad row: ${first.table} id ${first.id}: ${first.reason}\n${report.problems.slice(1).map((p) => `  - ${p}`).join('\n')}\n`);
  }
  // Every read of the log is recorded; a verification that cannot be recorded did not fully happen.
  try {
    const cli = await openStandaloneLog(dataDir, actorFlag, { logLevel: 'silent' });
    try {
      await cli.writer.recordAccess({ actor: cli.actor, actorRole: null, channel: 'cli', query: 'verify', params: {}, rowCount: report.checked.rows });
    } finally {
      await cli.close();
    }
  } catch (err) {
    if (!report.ok) return EXIT.FAILED;
    process.stderr.write(`switchboard verify: the chains verify, but the verification could not be recorded in the access log: ${reasonOf(err)}; free disk space and run it again.\n`);
    return EXIT.COULD_NOT_RUN;
  }
  return report.ok ? EXIT.OK : EXIT.FAILED;
}

export const verifyCommand: CliCommand = {
  name: 'verify',
  summary: 'Check the socket log for tampering (exit 0 ok, 1 tampered, 3 could not run, 4 wrong key), or an export against its manifest.',
  usage:
    'switchboard verify [--data-dir DIR] [--actor NAME]\n       switchboard verify --export FILE [--manifest FILE] [--public-key FILE | --data-dir DIR]\n       switchboard verify --archive FILE [--data-dir DIR]\n       switchboard verify --print-public-key [--data-dir DIR]\n       switchboard verify --postgres-url URL [--json] [--export FILE | --print-public-key]   (cluster mode; SWITCHBOARD_LOG_SECRET)',
  async run(argv) {
    const v = parseFlags(argv, {
      'data-dir': { type: 'string' },
      actor: { type: 'string' },
      export: { type: 'string' },
      archive: { type: 'string' },
      manifest: { type: 'string' },
      'public-key': { type: 'string' },
      'print-public-key': { type: 'boolean' },
      json: { type: 'boolean' },
      'postgres-url': { type: 'string' }
    });
    const cluster = clusterPostgresUrl(v['postgres-url']);
    const dataDir = path.resolve(v['data-dir'] ?? defaultDataDir());
    // A cluster's exports are signed with the key every node derives from the shared log secret.
    const exportKey = () => (cluster && !v['public-key'] ? clusterLogKeys().verifying : trustedKey(dataDir, v['public-key']));
    if (v['print-public-key']) {
      process.stdout.write(String(exportKey().export({ format: 'pem', type: 'spki' })));
      return 0;
    }
    if (v.archive) {
      const file = path.resolve(v.archive);
      const keyFile = path.join(dataDir, LOG_KEY_FILE);
      if (!fs.existsSync(keyFile)) throw new UsageError(`No log key in ${dataDir}; pass the --data-dir the archive came from.`);
      const check = await verifyArchiveFile(file, deriveLogKeys(fs.readFileSync(keyFile, 'utf8').trim()).mac);
      process.stdout.write(
        check.ok
          ? `OK: archive ${file} holds rows ${check.firstId}..${check.lastId} (${check.rows}) and its chain verifies.\n`
          : `FAILED: archive ${file}:\n${check.problems.map((p) => `  - ${p}`).join('\n')}\n`
      );
      return check.ok ? 0 : 1;
    }
    if (v.export) {
      const file = path.resolve(v.export);
      if (!fs.existsSync(file)) throw new UsageError(`No such export file: ${file}`);
      const check = await verifyExportFile(file, exportKey(), v.manifest ? path.resolve(v.manifest) : undefined);
      if (v.json) process.stdout.write(JSON.stringify(check, null, 2) + '\n');
      else if (check.ok) {
        process.stdout.write(`OK: ${file} has ${check.rows} rows (ids ${check.manifest?.first_id}..${check.manifest?.last_id}) and matches its signed manifest.\n`);
      } else {
        process.stdout.write(`FAILED: ${file} does not match its manifest:\n${check.problems.map((p) => `  - ${p}`).join('\n')}\n`);
      }
      return check.ok ? 0 : 1;
    }
    if (cluster) return verifyClusterLog(cluster, v.json === true);
    return verifyLog(path.resolve(v['data-dir'] ?? defaultDataDir()), v.actor, v.json === true);
  }
};
