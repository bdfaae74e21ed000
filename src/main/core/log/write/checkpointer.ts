import { Worker } from 'node:worker_threads';
import type { Logger } from 'pino';
import type Sqlite from 'better-sqlite3';
import { locateWorker, type WorkerSource } from '../../workers/locateWorker';
import { isCorruptionError } from '../integrity/fileGuard';

/**
 * WAL checkpoints, off the hot path. The database opens with
 * wal_autocheckpoint=0 because an automatic checkpoint runs inside whichever
 * commit crosses the threshold, on the event loop, and stalls every ack behind it
 * (measured p99 18 ms -> 2 ms without). Instead a worker thread with its own
 * connection runs PASSIVE checkpoints on a timer: PASSIVE never waits for or
 * blocks the writer, it copies what it can (checkpoint.worker.ts). If the worker
 * cannot start (an unusual packaging), the same PASSIVE checkpoint runs on the
 * main thread timer.
 */

/** What the checkpoint thread (checkpoint.worker.ts) starts with. */
export interface CheckpointWorkerData {
  file: string;
  intervalMs: number;
  /** 0: no periodic quick check. */
  quickCheckMs: number;
  /** The file never shrinks (no auto_vacuum): a smaller file was truncated. */
  shrinkMeansDamage: boolean;
}

/** Checkpoint thread -> main thread. */
export type CheckpointReply =
  | { kind: 'checkpoint'; ok: true; log: number; checkpointed: number }
  | { kind: 'checkpoint'; ok: false; error: string; code?: string }
  | { kind: 'integrity'; problems: string[]; code?: string }
  /** The file was truncated or overwritten; the thread stopped checkpointing (a checkpoint would hide it). */
  | { kind: 'damaged'; detail: string };

/** Main thread -> checkpoint thread. */
export type CheckpointRequest = { type: 'stop' };

export interface Checkpointer {
  /** Frames in the WAL after the last checkpoint, and how many were copied back. */
  last(): { log: number; checkpointed: number } | null;
  close(): Promise<void>;
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
  /**
   * The checkpoint thread found the file truncated or overwritten before a checkpoint
   * (and stopped), or a checkpoint failed because SQLite found the file damaged.
   */
  onDamaged?(detail: string): void;
  /**
   * Checked before each checkpoint on the main thread (when no thread could start):
   * true means the file guard has fenced the log, and the checkpoint is skipped.
   */
  fenced?(): boolean;
  /** The worker's code, when not checkpoint.worker (tests). */
  source?: WorkerSource;
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
      if (options.fenced?.()) return;
      try {
        const [r] = options.sqlite.pragma('wal_checkpoint(PASSIVE)') as Array<{ log: number; checkpointed: number }>;
        if (r) last = { log: r.log, checkpointed: r.checkpointed };
      } catch (err) {
        if (failures++ % 60 === 0) options.logger.warn({ err }, 'WAL checkpoint failed');
      }
    }, options.intervalMs);
    fallback.unref();
  };

  const located = options.source ?? locateWorker('checkpoint');
  if (!located) startFallback(new Error('checkpoint.worker.js not found beside the main bundle'));
  else {
    try {
      const w = new Worker(located.source, {
        eval: located.eval,
        workerData: {
          file: options.file,
          intervalMs: options.intervalMs,
          quickCheckMs: options.quickCheckMs ?? 0,
          shrinkMeansDamage: Number(options.sqlite.pragma('auto_vacuum', { simple: true })) === 0
        } satisfies CheckpointWorkerData
      });
      worker = w;
      w.unref();
      w.on('message', (m: CheckpointReply) => {
        if (m.kind === 'integrity') options.onIntegrity?.({ problems: m.problems, code: m.code });
        else if (m.kind === 'damaged') options.onDamaged?.(m.detail);
        else if (m.ok) last = { log: m.log, checkpointed: m.checkpointed };
        else if (isCorruptionError({ code: m.code, message: m.error })) options.onDamaged?.(`a WAL checkpoint found ${options.file} damaged (${m.error})`);
        else if (failures++ % 60 === 0) options.logger.warn({ error: m.error }, 'WAL checkpoint failed');
      });
      w.on('error', (err) => {
        worker = null;
        startFallback(err);
      });
    } catch (err) {
      worker = null;
      startFallback(err);
    }
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
        w.postMessage({ type: 'stop' } satisfies CheckpointRequest);
      });
    }
  };
}
