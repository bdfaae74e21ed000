import { createRequire } from 'node:module';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import type { Logger } from 'pino';
import type Sqlite from 'better-sqlite3';

/**
 * WAL checkpoints, off the hot path. The database opens with
 * wal_autocheckpoint=0 because an automatic checkpoint runs inside whichever
 * commit crosses the threshold, on the event loop, and stalls every ack behind it
 * (measured p99 18 ms -> 2 ms without). Instead a worker thread with its own
 * connection runs PASSIVE checkpoints on a timer: PASSIVE never waits for or
 * blocks the writer, it copies what it can. If the worker cannot start (an
 * unusual packaging), the same PASSIVE checkpoint runs on the main thread timer.
 */
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const Sqlite = require(workerData.driver);
const db = new Sqlite(workerData.file);
db.pragma('busy_timeout = 0');
// Background upkeep: nice 10 for this thread only (Linux; see threadPriority.ts).
if (process.platform === 'linux') { try { require('node:os').setPriority(0, 10); } catch {} }
const tick = () => {
  try {
    const [r] = db.pragma('wal_checkpoint(PASSIVE)');
    parentPort.postMessage({ ok: true, log: r.log, checkpointed: r.checkpointed });
  } catch (err) {
    parentPort.postMessage({ ok: false, error: String(err && err.message || err) });
  }
};
const timer = setInterval(tick, workerData.intervalMs);
const quickCheck = () => {
  try {
    const problems = db.pragma('quick_check(5)').map((r) => r.quick_check).filter((r) => r !== 'ok');
    parentPort.postMessage({ kind: 'integrity', problems });
  } catch (err) {
    parentPort.postMessage({ kind: 'integrity', problems: [String(err && err.message || err)], code: err && err.code });
  }
};
const checks = workerData.quickCheckMs > 0 ? setInterval(quickCheck, workerData.quickCheckMs) : null;
parentPort.on('message', (m) => {
  if (m === 'stop') { clearInterval(timer); if (checks) clearInterval(checks); try { db.close(); } catch {} parentPort.close(); }
});
`;

export interface Checkpointer {
  /** Frames in the WAL after the last checkpoint, and how many were copied back. */
  last(): { log: number; checkpointed: number } | null;
  close(): Promise<void>;
}

function resolveDriver(): string {
  const base = typeof __filename === 'string' ? __filename : path.join(process.cwd(), 'index.js');
  return createRequire(base).resolve('better-sqlite3');
}

export interface CheckpointerOptions {
  file: string;
  sqlite: Sqlite.Database;
  intervalMs: number;
  logger: Logger;
  /**
   * A PRAGMA quick_check on the checkpoint thread this often (0: never): it reads
   * every page, so it runs there, off the event loop, and rarely.
   */
  quickCheckMs?: number;
  /** What the periodic quick check found (problems, or the error that stopped it and its code). */
  onIntegrity?(result: { problems: string[]; code?: string }): void;
}

export function startCheckpointer(options: CheckpointerOptions): Checkpointer {
  let last: { log: number; checkpointed: number } | null = null;
  let failures = 0;
  let worker: Worker | null = null;
  let fallback: NodeJS.Timeout | null = null;

  const startFallback = (reason: unknown) => {
    if (fallback) return;
    options.logger.warn({ err: reason }, 'checkpoint worker unavailable; checkpointing on the main thread');
    fallback = setInterval(() => {
      try {
        const [r] = options.sqlite.pragma('wal_checkpoint(PASSIVE)') as Array<{ log: number; checkpointed: number }>;
        if (r) last = { log: r.log, checkpointed: r.checkpointed };
      } catch (err) {
        if (failures++ % 60 === 0) options.logger.warn({ err }, 'WAL checkpoint failed');
      }
    }, options.intervalMs);
    fallback.unref();
  };

  try {
    worker = new Worker(WORKER_SOURCE, {
      eval: true,
      workerData: { driver: resolveDriver(), file: options.file, intervalMs: options.intervalMs, quickCheckMs: options.quickCheckMs ?? 0 }
    });
    worker.unref();
    worker.on('message', (m: { kind?: 'integrity'; problems?: string[]; code?: string; ok?: boolean; log?: number; checkpointed?: number; error?: string }) => {
      if (m.kind === 'integrity') options.onIntegrity?.({ problems: m.problems ?? [], code: m.code });
      else if (m.ok) last = { log: m.log ?? 0, checkpointed: m.checkpointed ?? 0 };
      else if (failures++ % 60 === 0) options.logger.warn({ error: m.error }, 'WAL checkpoint failed');
    });
    worker.on('error', (err) => {
      worker = null;
      startFallback(err);
    });
  } catch (err) {
    worker = null;
    startFallback(err);
  }

  return {
    last: () => last,
    async close() {
      if (fallback) clearInterval(fallback);
      const w = worker;
      worker = null;
      if (!w) return;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(() => void w.terminate().then(() => resolve()), 2_000);
        w.once('exit', () => {
          clearTimeout(timer);
          resolve();
        });
        w.postMessage('stop');
      });
    }
  };
}
