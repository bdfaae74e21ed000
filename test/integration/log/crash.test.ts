import { spawn } from 'node:child_process';
import path from 'node:path';
import Sqlite from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { loadLogKeys } from '../../../src/main/core/log/store/chain';
import { openDatabase } from '../../../src/main/core/db/database';
import { verifyLogFile } from '../../../src/main/core/log/integrity/verify';
import { tempDir } from '../../helpers/core';

describe('crash safety', () => {
  it('a kill -9 mid-write loses no acknowledged row and leaves a file that checks and verifies', async () => {
    const dataDir = tempDir('switchboard-crash-');
    // `node --import tsx` keeps it one process, so SIGKILL hits the writer itself.
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(__dirname, 'crashChild.ts'), dataDir], {
      cwd: path.resolve(__dirname, '../../..'),
      stdio: ['ignore', 'pipe', 'pipe']
    });
    const acked = new Set<number>();
    const updated = new Set<number>();
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<NodeJS.Signals | null>((resolve) => child.on('exit', (_code, signal) => resolve(signal)));
    await new Promise<void>((resolve, reject) => {
      let buffered = '';
      child.stdout.on('data', (d: Buffer) => {
        buffered += d.toString();
        const lines = buffered.split('\n');
        buffered = lines.pop() ?? '';
        for (const line of lines) {
          const [kind, id] = line.split(' ');
          if (kind === 'ack') acked.add(Number(id));
          if (kind === 'upd') updated.add(Number(id));
        }
        if (acked.size >= 20_000 && updated.size > 100) {
          child.kill('SIGKILL');
          resolve();
        }
      });
      void exited.then(() => reject(new Error(`child exited before the kill: ${stderr}`)));
    });
    expect(await exited).toBe('SIGKILL');

    const raw = new Sqlite(path.join(dataDir, 'switchboard.db'));
    expect(raw.pragma('integrity_check', { simple: true })).toBe('ok');
    const present = new Set((raw.prepare('SELECT id FROM socket_logs').pluck().all() as number[]).map(Number));
    const versions = new Map((raw.prepare('SELECT id, version FROM socket_logs WHERE version > 0').all() as Array<{ id: number; version: number }>).map((r) => [r.id, r.version]));
    raw.close();
    const missing = [...acked].filter((id) => !present.has(id));
    expect(missing).toEqual([]);
    expect([...updated].filter((id) => versions.get(id) !== 1)).toEqual([]);
    expect(present.size).toBeGreaterThanOrEqual(acked.size);

    const report = await verifyLogFile(path.join(dataDir, 'switchboard.db'), loadLogKeys(dataDir).mac);
    expect(report.ok, report.problems.join('; ')).toBe(true);
    // And it opens and takes writes again.
    const reopened = await openDatabase(dataDir);
    await reopened.close();
  });
});
