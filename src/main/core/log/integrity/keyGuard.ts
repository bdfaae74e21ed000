import type Sqlite from 'better-sqlite3';
import fs from 'node:fs';
import path from 'node:path';
import { readOrCreateSecret } from '../../auth/secretFile';
import { StartupRefusal } from '../../startupRefusal';
import { CHAINS, deriveLogKeys, LOG_KEY_FILE, macEquals, sealHead, type LogKeys } from '../store/chain';
import { toHead, type HeadRow } from '../store/statements';

/**
 * Whether a key seals the log's chain heads. "wrong-key" when none of them
 * unseals: a different key, not an edit (an edit without the key can change a
 * head, not re-seal every one). "tampered" when some do and some do not.
 */
export type KeyFit = 'no-chain' | 'fits' | 'wrong-key' | 'tampered';

export function keyFit(sqlite: Sqlite.Database, key: Buffer): KeyFit {
  const rows = sqlite.prepare('SELECT * FROM socket_log_chains').all() as HeadRow[];
  const chained = rows.filter((r) => (CHAINS as readonly string[]).includes(r.chain));
  if (chained.length === 0) return 'no-chain';
  const sealed = chained.filter((r) => macEquals(r.seal, sealHead(key, toHead(r)))).length;
  if (sealed === chained.length) return 'fits';
  return sealed === 0 ? 'wrong-key' : 'tampered';
}

export const wrongKeySentence = (dataDir: string) =>
  `${path.join(dataDir, LOG_KEY_FILE)} does not unseal the socket log's chain heads: it is not the key this log was written with; restore the original key file from a backup (Switchboard will not chain new rows under another key).`;

/**
 * The log key for a database, guarded: a log that already has a chain never
 * gets a new key (a missing, empty or damaged key file refuses start with a
 * sentence), and a key that does not unseal the chain heads refuses start
 * rather than chain new rows under it, which would leave the old chain
 * unverifiable and blamed on tampering.
 */
export function loadGuardedLogKeys(dataDir: string, sqlite: Sqlite.Database): LogKeys {
  const hasChain = (sqlite.prepare('SELECT count(*) AS n FROM socket_log_chains').get() as { n: number }).n > 0;
  const restore = 'restore the original socket-log.key from a backup: the log already has a chain sealed with it, and a new key would make that chain unverifiable';
  const secret = readOrCreateSecret(dataDir, LOG_KEY_FILE, hasChain ? { mustExist: restore, remedy: restore } : {});
  const keys = deriveLogKeys(secret);
  if (hasChain && keyFit(sqlite, keys.mac) === 'wrong-key') throw new StartupRefusal('LOG_KEY_MISMATCH', wrongKeySentence(dataDir));
  return keys;
}

/**
 * A data directory with a log key but an empty or missing database lost its
 * log (truncated, deleted): starting would silently begin a new, empty one.
 * Checked before the database is opened, so a second start refuses too.
 */
export function refuseLostDatabase(dataDir: string, databaseFile: string): void {
  if (!fs.existsSync(path.join(dataDir, LOG_KEY_FILE))) return;
  let size: number;
  try {
    size = fs.statSync(databaseFile).size;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    size = -1;
  }
  if (size > 0) return;
  throw new StartupRefusal(
    'DATABASE_LOST',
    `${databaseFile} is ${size < 0 ? 'missing' : 'empty'} but this data directory already has a socket log key, so its log was lost (deleted or truncated); restore switchboard.db from a backup, or move socket-log.key away to start a new log on purpose.`
  );
}
