import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { afterEach, describe, expect, it } from 'vitest';
import { locateBuiltWorker, locateWorker, WORKER_ENTRIES, workerFileName, type WorkerName } from '../../../src/main/core/workers/locateWorker';

const names = Object.keys(WORKER_ENTRIES) as WorkerName[];
const core = path.resolve(__dirname, '../../../src/main/core');
const dirs: string[] = [];
const tempDir = () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'switchboard-workers-'));
  dirs.push(dir);
  return dir;
};
const touch = (file: string) => {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, '');
};

afterEach(() => {
  for (const dir of dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

describe('locateWorker', () => {
  it('names one typed *.worker.ts source file per worker, and each exists', () => {
    for (const name of names) {
      expect(WORKER_ENTRIES[name]).toMatch(/\.worker\.ts$/);
      expect(fs.existsSync(path.join(core, WORKER_ENTRIES[name])), WORKER_ENTRIES[name]).toBe(true);
    }
  });

  it('runs a worker from its TypeScript source when the core runs from sources (tsx, vitest)', async () => {
    // The user index worker with no file to open says so and stops: proof that its source loaded and ran.
    const located = locateWorker('userIndex')!;
    expect(located.eval).toBe(true);
    const worker = new Worker(located.source, { eval: true, workerData: { file: path.join(tempDir(), 'missing.db'), intervalMs: 60_000 } });
    const first = await new Promise<{ type: string; error?: string }>((resolve, reject) => {
      worker.once('message', resolve);
      worker.once('error', reject);
    });
    await worker.terminate();
    expect(first.type).toBe('failed');
    expect(first.error).toMatch(/directory does not exist|unable to open|no such file/i);
  });

  it('finds a built worker beside the main bundle, from the bundle or from its chunks folder', () => {
    const main = path.join(tempDir(), 'out', 'main');
    for (const name of names) touch(path.join(main, workerFileName(name)));
    for (const name of names) {
      expect(locateBuiltWorker(main, name)).toBe(path.join(main, workerFileName(name)));
      expect(locateBuiltWorker(path.join(main, 'chunks'), name)).toBe(path.join(main, workerFileName(name)));
    }
  });

  it('in a packaged app prefers the copy in app.asar.unpacked, and else loads from the archive', () => {
    const resources = tempDir();
    const inAsar = path.join(resources, 'app.asar', 'out', 'main');
    touch(path.join(inAsar, workerFileName('commit')));
    expect(locateBuiltWorker(path.join(inAsar, 'chunks'), 'commit')).toBe(path.join(inAsar, workerFileName('commit')));
    const unpacked = path.join(resources, 'app.asar.unpacked', 'out', 'main', workerFileName('commit'));
    touch(unpacked);
    expect(locateBuiltWorker(path.join(inAsar, 'chunks'), 'commit')).toBe(unpacked);
  });

  it('says null when a worker was not built, so its caller falls back to the main thread', () => {
    expect(locateBuiltWorker(path.join(tempDir(), 'out', 'main'), 'export')).toBeNull();
  });
});
