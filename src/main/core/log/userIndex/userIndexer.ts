import Sqlite from 'better-sqlite3';
import { Worker } from 'node:worker_threads';
import type { Logger } from 'pino';
import { locateWorker, type WorkerSource } from '../../workers/locateWorker';
import { attachUserIndex, createUserIndexPass, type UserIndexPass } from './userIndex';

/** The indexer's own connections: the log (read only in practice) with the index attached (written). */
export function openUserIndexing(file: string): { pass: () => UserIndexPass; close(): void } {
  const sqlite = new Sqlite(file, { fileMustExist: true });
  sqlite.pragma('busy_timeout = 5000');
  attachUserIndex(sqlite, file);
  return { pass: createUserIndexPass(sqlite), close: () => sqlite.close() };
}

/** What the indexer's thread (userIndex.worker.ts) starts with: the database file and how often to run a pass. */
export interface UserIndexWorkerData {
  file: string;
  intervalMs: number;
}

export type IndexerRequest = { type: 'now'; seq: number } | { type: 'stop' };
export type IndexerReply =
  | { type: 'ready' }
  | { type: 'failed'; error: string }
  | { type: 'pass'; seq?: number; pass?: UserIndexPass; error?: string };

/**
 * Runs passes every `intervalMs`, back to back while it is behind (first start,
 * rebuild after the index file was deleted). Shared by the worker and the
 * main-thread fallback; `report` gets each pass's outcome.
 */
export function runIndexLoop(indexing: { pass: () => UserIndexPass }, intervalMs: number, report: (r: { pass?: UserIndexPass; error?: string }) => void) {
  let timer: NodeJS.Timeout | null = null;
  let stopped = false;
  const runPass = (): { pass?: UserIndexPass; error?: string } => {
    try {
      return { pass: indexing.pass() };
    } catch (err) {
      return { error: String((err as Error)?.message ?? err) };
    }
  };
  const tick = () => {
    timer = null;
    const r = runPass();
    report(r);
    if (!stopped) timer = setTimeout(tick, r.pass && r.pass.behind > 0 ? 0 : intervalMs);
  };
  timer = setTimeout(tick, 0);
  return {
    now: runPass,
    stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
    }
  };
}

export interface UserIndexer {
  /** Runs one pass now (tests, and readers that need what was just written). */
  runNow(): Promise<UserIndexPass>;
  /** The last pass: rows still waiting for the index (null before the first). */
  last(): UserIndexPass | null;
  close(): Promise<void>;
}

/**
 * Starts the user indexer (userIndex.ts) on its own thread, or on a main-thread
 * timer if no worker can start (an unusual packaging): then each pass stalls the
 * event loop for a few ms per thousand rows, which is still correct.
 */
export function startUserIndexer(options: {
  file: string;
  intervalMs: number;
  logger: Logger;
  /** The worker's code, when not the built entry or sources (tests start one that fails). */
  source?: WorkerSource;
}): UserIndexer {
  const { logger } = options;
  let last: UserIndexPass | null = null;
  let failures = 0;
  const onPass = (r: { pass?: UserIndexPass; error?: string }) => {
    if (r.pass) last = r.pass;
    else if (failures++ % 60 === 0) logger.warn({ error: r.error }, 'user index pass failed; it is retried');
  };
  let fallback: { now(): { pass?: UserIndexPass; error?: string }; stop(): void; close(): void } | null = null;
  const startFallback = (reason: string) => {
    if (fallback) return;
    logger.warn({ reason }, 'user index thread unavailable; indexing on the main thread');
    const indexing = openUserIndexing(options.file);
    fallback = { ...runIndexLoop(indexing, options.intervalMs, onPass), close: indexing.close };
  };

  let worker: Worker | null = null;
  let seq = 0;
  const waiting = new Map<number, { resolve(p: UserIndexPass): void; reject(e: Error): void }>();
  const located = options.source ?? locateWorker('userIndex');
  if (!located) startFallback('userIndex.worker.js not found beside the main bundle');
  else {
    try {
      const w = new Worker(located.source, { eval: located.eval, workerData: { file: options.file, intervalMs: options.intervalMs } satisfies UserIndexWorkerData });
      worker = w;
      w.unref();
      w.on('message', (m: IndexerReply) => {
        if (m.type === 'failed') {
          worker = null;
          startFallback(m.error);
        }
        if (m.type !== 'pass') return;
        onPass(m);
        const waiter = m.seq === undefined ? undefined : waiting.get(m.seq);
        if (!waiter) return;
        waiting.delete(m.seq!);
        if (m.pass) waiter.resolve(m.pass);
        else waiter.reject(new Error(m.error ?? 'user index pass failed'));
      });
      w.on('error', (err) => {
        worker = null;
        startFallback(String(err?.message ?? err));
      });
      w.on('exit', () => {
        for (const waiter of waiting.values()) waiter.reject(new Error('the user index thread exited'));
        waiting.clear();
        if (worker !== w) return; // closed, or already replaced by the fallback
        worker = null;
        startFallback('the user index thread exited');
      });
    } catch (err) {
      startFallback(String((err as Error)?.message ?? err));
    }
  }

  return {
    last: () => last,
    runNow() {
      if (fallback || !worker) {
        const r = fallback?.now() ?? { error: 'the user indexer is closed' };
        onPass(r);
        return r.pass ? Promise.resolve(r.pass) : Promise.reject(new Error(r.error));
      }
      const id = ++seq;
      const w = worker;
      return new Promise((resolve, reject) => {
        waiting.set(id, { resolve, reject });
        w.postMessage({ type: 'now', seq: id } satisfies IndexerRequest);
      });
    },
    async close() {
      if (fallback) {
        fallback.stop();
        fallback.close();
        fallback = null;
      }
      const w = worker;
      worker = null;
      if (!w) return;
      const exited = new Promise<void>((resolve) => w.once('exit', () => resolve()));
      w.postMessage({ type: 'stop' } satisfies IndexerRequest);
      const timer = setTimeout(() => void w.terminate(), 5_000);
      await exited;
      clearTimeout(timer);
      for (const waiter of waiting.values()) waiter.reject(new Error('the user indexer closed'));
      waiting.clear();
    }
  };
}
