import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { StartupRefusal } from '../startupRefusal';

/** What every generated secret looks like: base64url text, at least 32 characters (48 random bytes make 64). */
const SECRET_SHAPE = /^[A-Za-z0-9_-]{32,}$/;

/** Why a stored secret file cannot be used, or null when it looks like one we wrote. */
export function secretFileProblem(text: string): string | null {
  const value = text.trim();
  if (value.length === 0) return 'is empty';
  if (!SECRET_SHAPE.test(value)) return 'does not hold a key (damaged or replaced)';
  return null;
}

/**
 * Writes a secret so that the file is either absent or complete, never 0 bytes
 * or half written (a first start on a full disk left an empty jwt.secret that
 * the server then used): temp file, fsync, then link it into place, which
 * fails instead of overwriting when another process won the race.
 */
export function writeSecretAtomically(file: string, secret: string): 'written' | 'exists' {
  const tmp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  const fd = fs.openSync(tmp, 'wx', 0o600);
  try {
    fs.writeSync(fd, secret + '\n');
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  try {
    fs.linkSync(tmp, file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return 'exists';
    throw err;
  } finally {
    fs.rmSync(tmp, { force: true });
  }
  const dir = fs.openSync(path.dirname(file), 'r');
  try {
    fs.fsyncSync(dir);
  } finally {
    fs.closeSync(dir);
  }
  return 'written';
}

export interface SecretFileOptions {
  bytes?: number;
  /** Refuse to create the file when it is missing (the log key of a log that already has a chain). */
  mustExist?: string;
  /** What to do about a damaged file, for the refusal sentence. */
  remedy?: string;
}

/**
 * Reads a key from the data directory, creating it (random, 0600) on first use.
 * A file that exists but is empty or not a key is refused with a sentence, not
 * used: signing with an empty secret would make every token "malformed".
 * Keys never leave this file except as in-memory buffers.
 */
export function readOrCreateSecret(dataDir: string, name: string, options: SecretFileOptions = {}): string {
  const file = path.join(dataDir, name);
  const read = () => {
    const text = fs.readFileSync(file, 'utf8');
    const problem = secretFileProblem(text);
    if (problem) {
      throw new StartupRefusal('SECRET_DAMAGED', `${file} ${problem}; ${options.remedy ?? 'restore it from a backup, or delete it to have a new one generated (tokens signed with the old one stop working)'}.`);
    }
    return text.trim();
  };
  try {
    return read();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  if (options.mustExist) throw new StartupRefusal('SECRET_MISSING', `${file} is missing; ${options.mustExist}.`);
  fs.mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const secret = randomBytes(options.bytes ?? 48).toString('base64url');
  return writeSecretAtomically(file, secret) === 'written' ? secret : read();
}
