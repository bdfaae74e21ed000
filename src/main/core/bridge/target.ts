import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import type { CadTarget } from './link';

const FILE = 'cad-link.json';
const StoredTargetSchema = z.object({ url: z.url(), token: z.string().nullable() });

/**
 * Where an admin's console setting of the CAD link is kept: a 0600 file in
 * the data directory beside jwt.secret (never the database, never a log).
 * Flags and environment given at start-up win over it.
 */
export function loadStoredTarget(dataDir: string): CadTarget | null {
  try {
    const parsed = StoredTargetSchema.safeParse(JSON.parse(fs.readFileSync(path.join(dataDir, FILE), 'utf8')));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}

export function storeTarget(dataDir: string, target: CadTarget): void {
  const file = path.join(dataDir, FILE);
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, JSON.stringify({ url: target.url, token: target.token }) + '\n', { mode: 0o600 });
  fs.renameSync(tmp, file);
}
