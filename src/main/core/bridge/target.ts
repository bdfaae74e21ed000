import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import type { CadTarget } from './link';
import { StartupRefusal } from '../startupRefusal';

const FILE = 'cad-link.json';
const StoredTargetSchema = z.object({ url: z.url(), token: z.string().nullable() });

/**
 * Where an admin's console setting of the CAD link is kept: a 0600 file in
 * the data directory beside jwt.secret (never the database, never a log).
 * Flags and environment given at start-up win over it.
 */
export function loadStoredTarget(dataDir: string): CadTarget | null {
  const file = path.join(dataDir, FILE);
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw new StartupRefusal('CAD_LINK_UNREADABLE', `${file} cannot be read (${(err as Error).message}); fix its permissions, or pass --cad-url.`);
  }
  // A damaged file is refused, not ignored: the centre would run without its CAD feed and nobody would know why.
  let parsed: ReturnType<typeof StoredTargetSchema.safeParse> | null = null;
  try {
    parsed = StoredTargetSchema.safeParse(JSON.parse(text));
  } catch {
    parsed = null;
  }
  if (!parsed?.success) {
    throw new StartupRefusal(
      'CAD_LINK_INVALID',
      `${file} is not a valid CAD link setting (expected {"url": "...", "token": ...}); fix or delete it (then set the link again in the console), or start with --cad-url.`
    );
  }
  return parsed.data;
}

export function storeTarget(dataDir: string, target: CadTarget): void {
  const file = path.join(dataDir, FILE);
  const tmp = `${file}.${process.pid}.tmp`;
  // fsync before the rename, so a crash leaves the old file or the new one, never an empty one.
  const fd = fs.openSync(tmp, 'w', 0o600);
  try {
    fs.writeSync(fd, JSON.stringify({ url: target.url, token: target.token }) + '\n');
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  fs.renameSync(tmp, file);
}
