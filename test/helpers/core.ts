import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { createCore, type Core, type CreateCoreOptions } from '../../src/main/core/createCore';
import type { CoreConfigInput } from '../../src/main/core/config';
import { TOKEN_ISSUER } from '../../src/main/core/auth/tokens';
import type { Identity } from '../../src/shared/roles';
import { SignJWT } from 'jose';
import { MODE_JWT_SECRET, modeCoreConfig } from './testMode';

export interface TestCore {
  core: Core;
  dataDir: string;
  /** Every log line the core wrote, for secret and error assertions. */
  logText(): string;
  close(): Promise<void>;
}

export function tempDir(prefix = 'switchboard-test-'): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

/**
 * Starts a real core on a free loopback port with its own temp data dir; in
 * cluster test mode (test/helpers/testMode.ts) as a one-node cluster on its own
 * PostgreSQL database and Redis. The test's overrides win.
 */
export async function startTestCore(
  overrides: Partial<CoreConfigInput> = {},
  extend?: CreateCoreOptions['extend']
): Promise<TestCore> {
  const dataDir = overrides.dataDir ?? tempDir();
  const lines: string[] = [];
  const sink = new PassThrough();
  sink.on('data', (chunk: Buffer) => lines.push(chunk.toString('utf8')));
  const core = await createCore(
    { host: '127.0.0.1', port: 0, logLevel: 'info', ...(await modeCoreConfig(dataDir)), ...overrides, dataDir },
    { logDestination: sink, extend }
  );
  return {
    core,
    dataDir,
    logText: () => lines.join(''),
    async close() {
      await core.close();
    }
  };
}

/**
 * A token exactly like the core's own (issuer, id, issued-at) but already expired:
 * the core refuses to sign one, so the test signs it with the data directory's key.
 */
export async function expiredTokenFor(dataDir: string, identity: Identity, secondsAgo = 10): Promise<string> {
  // A core given its secret by configuration (cluster test mode) has no jwt.secret file.
  const secretFile = path.join(dataDir, 'jwt.secret');
  const secret = fs.existsSync(secretFile) ? fs.readFileSync(secretFile, 'utf8').trim() : MODE_JWT_SECRET;
  const key = new TextEncoder().encode(secret);
  const { sub, ...claims } = identity;
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT(claims)
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setSubject(sub)
    .setIssuer(TOKEN_ISSUER)
    .setJti(randomUUID())
    .setIssuedAt(now - 3600)
    .setExpirationTime(now - secondsAgo)
    .sign(key);
}

/** Signs a device/field or operator token with the core's own key. */
export async function tokenFor(core: Core, identity: Parameters<Core['tokens']['sign']>[0], ttlSeconds = 3600) {
  return (await core.tokens.sign(identity, ttlSeconds)).token;
}
