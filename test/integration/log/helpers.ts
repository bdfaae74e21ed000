import fs from 'node:fs';
import path from 'node:path';
import pino from 'pino';
import { vi } from 'vitest';
import { openDatabase, type Database } from '../../../src/main/core/db/database';
import { loadLogKeys, type LogKeys } from '../../../src/main/core/log/store/chain';
import { aggregate } from '../../../src/main/core/log/read/statistics';
import type { NewSocketLog } from '../../../src/main/core/log/types';
import { createGroupCommitWriter, type GroupCommitWriter } from '../../../src/main/core/log/write/writer';
import { createSecretScrubber } from '../../../src/main/core/logger';
import { main } from '../../../src/main/cli/index';
import { tempDir } from '../../helpers/core';

export interface LogFixture {
  dataDir: string;
  database: Database;
  keys: LogKeys;
  writer: GroupCommitWriter;
  /** The writer's clock: tests move it to make old rows. */
  clock: { now: number };
  close(): Promise<void>;
}

/** A real database file and writer in a temp data dir, no HTTP. */
export async function openLogFixture(dataDir = tempDir('switchboard-log-')): Promise<LogFixture> {
  const database = await openDatabase(dataDir);
  const keys = loadLogKeys(dataDir);
  const clock = { now: Date.now() };
  const writer = createGroupCommitWriter({
    database,
    keys,
    scrubber: createSecretScrubber([]),
    logger: pino({ level: 'silent' }),
    now: () => clock.now
  });
  return {
    dataDir,
    database,
    keys,
    writer,
    clock,
    async close() {
      await writer.close();
      await database.close();
    }
  };
}

/** Non-zero counters up to `to`, as sorted `type/status/role=count/rt_sum/rt_count` strings. */
export const countersSnapshot = async (database: Database, to: number): Promise<string[]> =>
  (await aggregate(database.db, { from: 0, to }))
    .filter((c) => c.count !== 0)
    .map((c) => `${c.event_type}/${c.status}/${c.user_role}=${c.count}/${c.rt_sum}/${c.rt_count}`)
    .sort();

let seq = 0;
export const entry = (over: Partial<NewSocketLog> = {}): NewSocketLog => ({
  eventType: 'update_location',
  socketId: `sock-${++seq}`,
  userId: 'patient-1',
  userRole: 'patient',
  eventData: { lat: 40.7, lon: -74 },
  patientLatitude: 40.7,
  patientLongitude: -74,
  ...over
});

/** Runs the CLI in-process and captures what it prints. */
export async function runCli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const out = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    stdout += String(chunk);
    return true;
  });
  const err = vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
    stderr += String(chunk);
    return true;
  });
  try {
    const code = await main(args);
    return { code, stdout, stderr };
  } finally {
    out.mockRestore();
    err.mockRestore();
  }
}

export const dbBytes = (file: string): Buffer =>
  Buffer.concat([file, `${file}-wal`].filter((f) => fs.existsSync(f)).map((f) => fs.readFileSync(f)));

export const listArchives = (dataDir: string) => {
  const dir = path.join(dataDir, 'archive');
  return fs.existsSync(dir) ? fs.readdirSync(dir).filter((f) => f.endsWith('.ndjson.gz')).map((f) => path.join(dir, f)) : [];
};
