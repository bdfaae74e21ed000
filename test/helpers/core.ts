import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { createCore, type Core, type CreateCoreOptions } from '../../src/main/core/createCore';
import type { CoreConfigInput } from '../../src/main/core/config';

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

/** Starts a real core on a free loopback port with its own temp data dir. */
export async function startTestCore(
  overrides: Partial<CoreConfigInput> = {},
  extend?: CreateCoreOptions['extend']
): Promise<TestCore> {
  const dataDir = overrides.dataDir ?? tempDir();
  const lines: string[] = [];
  const sink = new PassThrough();
  sink.on('data', (chunk: Buffer) => lines.push(chunk.toString('utf8')));
  const core = await createCore(
    { host: '127.0.0.1', port: 0, logLevel: 'info', ...overrides, dataDir },
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

/** Signs a device/field or operator token with the core's own key. */
export async function tokenFor(core: Core, identity: Parameters<Core['tokens']['sign']>[0], ttlSeconds = 3600) {
  return (await core.tokens.sign(identity, ttlSeconds)).token;
}
