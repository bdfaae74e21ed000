import fs from 'node:fs';
import path from 'node:path';

/**
 * The core's worker threads. Each is one typed `*.worker.ts` file, built by
 * electron-vite as its own entry (`out/main/<name>.worker.js`, see
 * electron.vite.config.ts, which reads this list), so every worker is
 * typechecked and linted like the rest of the core.
 */
export const WORKER_ENTRIES = {
  /** The socket log's group commits (log/write/commitThread.ts). */
  commit: 'log/write/commit.worker.ts',
  /** The per-user index passes (log/userIndex/userIndexer.ts). */
  userIndex: 'log/userIndex/userIndex.worker.ts',
  /** The second export renderer (log/export/exportHelper.ts). */
  export: 'log/export/export.worker.ts',
  /** Background WAL checkpoints and quick checks (log/write/checkpointer.ts). */
  checkpoint: 'log/write/checkpoint.worker.ts',
  /** Replays, timelines and incident reports read from the log (replay/replayThread.ts). */
  replay: 'replay/replay.worker.ts'
} as const;

export type WorkerName = keyof typeof WORKER_ENTRIES;

/** What `new Worker(source, { eval })` takes: a file to load, or code to evaluate. */
export interface WorkerSource {
  source: string;
  eval: boolean;
}

/** The built file's name (the electron-vite entry key plus `.js`). */
export const workerFileName = (name: WorkerName): string => `${name}.worker.js`;

/**
 * Finds a worker's code wherever the core runs:
 * - from sources (tsx, vitest: this module is a `.ts` file), the worker's
 *   TypeScript is loaded through tsx's require hook;
 * - built, `<name>.worker.js` sits beside the main bundle (`out/main`), and this
 *   code may be in a shared chunk one folder down (`out/main/chunks`);
 * - packaged, that folder is inside `app.asar`; a copy in `app.asar.unpacked`
 *   (if the packaging unpacks it) is preferred, else Electron loads the worker
 *   from the archive itself.
 * Null when it is nowhere (an unusual packaging): each caller then falls back
 * to doing the work on the main thread, as it says.
 */
export function locateWorker(name: WorkerName): WorkerSource | null {
  const here = typeof __dirname === 'string' ? __dirname : process.cwd();
  if (typeof __filename === 'string' && __filename.endsWith('.ts')) {
    const entry = path.join(here, '..', WORKER_ENTRIES[name]);
    return { source: `require('tsx/cjs'); require(${JSON.stringify(entry)});`, eval: true };
  }
  const file = locateBuiltWorker(here, name);
  return file ? { source: file, eval: false } : null;
}

/** The built worker file for code running from `dir` (the main bundle's folder, or its chunks folder), or null. */
export function locateBuiltWorker(dir: string, name: WorkerName): string | null {
  const file = workerFileName(name);
  for (const candidate of [path.join(dir, file), path.join(dir, '..', file)]) {
    const unpacked = candidate.replace(/\.asar([\\/])/, '.asar.unpacked$1');
    if (unpacked !== candidate && fs.existsSync(unpacked)) return unpacked;
    if (fs.existsSync(candidate)) return candidate;
  }
  return null;
}
