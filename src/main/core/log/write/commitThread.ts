import { Worker } from 'node:worker_threads';
import type { Logger } from 'pino';
import { createRepeatedErrorLog } from '../../repeatedErrors';
import { locateWorker, type WorkerSource } from '../../workers/locateWorker';
import { toWire, type CommitOp, type CommitResult, type WireOp } from './groupCommit';

/** What the commit thread (commit.worker.ts) starts with: the database file and the log's MAC key. */
export interface CommitWorkerData {
  file: string;
  key: Uint8Array;
}

/** Main thread -> commit thread. */
export type ThreadRequest = { type: 'batch'; seq: number; ops: WireOp[] } | { type: 'stop' };

/** Commit thread -> main thread. */
export type ThreadReply =
  | { type: 'ready' }
  | { type: 'failed'; error: string }
  | { type: 'log'; message: string; error: string }
  | { type: 'done'; seq: number; result?: CommitResult; commitMs?: number; failure?: 'commit' | 'sync'; error?: string; code?: string };

/** Why a batch sent to the thread did not become durable. */
export class BatchFailure extends Error {
  constructor(
    readonly stage: 'commit' | 'sync' | 'thread',
    message: string,
    /** SQLite's or the WAL sync's error code (SQLITE_CORRUPT, WAL_REPLACED...), when there was one. */
    readonly code?: string
  ) {
    super(message);
  }
}

export interface CommitThread {
  /** True once the thread has its connection open; until then (or if it never starts) the writer commits inline. */
  ready(): boolean;
  /** False once the thread failed to start or died: the writer then commits inline for good. */
  usable(): boolean;
  /** Commits and syncs a batch on the thread; rejects with a BatchFailure. */
  commit(ops: CommitOp[]): Promise<{ result: CommitResult; commitMs: number }>;
  inFlight(): number;
  close(): Promise<void>;
}

export interface CommitThreadOptions {
  file: string;
  key: Buffer;
  logger: Logger;
  /** The worker's code, when not commit.worker (tests start threads that fail in chosen ways). */
  source?: WorkerSource;
}

export function startCommitThread(options: CommitThreadOptions): CommitThread {
  const { logger } = options;
  const pending = new Map<number, { resolve(v: { result: CommitResult; commitMs: number }): void; reject(e: BatchFailure): void }>();
  let seq = 0;
  let state: 'starting' | 'ready' | 'dead' = 'starting';
  let worker: Worker | null = null;
  let exited: Promise<void> = Promise.resolve();
  let closing = false;
  // The thread relays a failed WAL sync per batch; on a full disk that is every few ms.
  const relayed = new Map<string, ReturnType<typeof createRepeatedErrorLog>>();
  const relay = (message: string, error: string) => {
    let log = relayed.get(message);
    if (!log) relayed.set(message, (log = createRepeatedErrorLog(logger, message)));
    log.report(error);
  };

  const die = (reason: string) => {
    if (state === 'dead') return;
    const wasReady = state === 'ready';
    state = 'dead';
    if (closing) logger.debug({ reason }, 'socket log commit thread closed');
    else if (wasReady) logger.error({ reason, inFlight: pending.size }, 'socket log commit thread stopped; committing on the main thread from now on');
    else logger.warn({ reason }, 'socket log commit thread unavailable; committing on the main thread');
    const failure = new BatchFailure('thread', reason);
    for (const waiter of pending.values()) waiter.reject(failure);
    pending.clear();
  };

  const located = options.source ?? locateWorker('commit');
  if (!located) die('commit.worker.js not found beside the main bundle');
  else {
    try {
      worker = new Worker(located.source, { eval: located.eval, workerData: { file: options.file, key: new Uint8Array(options.key) } satisfies CommitWorkerData });
      const w = worker;
      exited = new Promise((resolve) => w.once('exit', () => resolve()));
      w.on('message', (m: ThreadReply) => {
        if (m.type === 'ready') {
          if (state === 'starting') state = 'ready';
        } else if (m.type === 'failed') die(m.error);
        else if (m.type === 'log') relay(m.message, m.error);
        else {
          const waiter = pending.get(m.seq);
          pending.delete(m.seq);
          if (!waiter) return;
          if (m.result) waiter.resolve({ result: m.result, commitMs: m.commitMs ?? 0 });
          else waiter.reject(new BatchFailure(m.failure ?? 'commit', m.error ?? 'unknown failure', m.code));
        }
      });
      w.on('error', (err) => die(String(err?.message ?? err)));
      w.on('exit', (code) => die(`exited with code ${code}`));
    } catch (err) {
      die(String((err as Error)?.message ?? err));
    }
  }

  return {
    ready: () => state === 'ready',
    usable: () => state !== 'dead',
    inFlight: () => pending.size,
    commit(ops) {
      if (state !== 'ready' || !worker) return Promise.reject(new BatchFailure('thread', 'the commit thread is not running'));
      const id = ++seq;
      const w = worker;
      return new Promise((resolve, reject) => {
        pending.set(id, { resolve, reject });
        w.postMessage({ type: 'batch', seq: id, ops: ops.map(toWire) } satisfies ThreadRequest);
      });
    },
    async close() {
      const w = worker;
      worker = null;
      closing = true;
      if (!w) return;
      if (state === 'ready') {
        // Batches already posted are answered before 'stop' is read (one port, in order).
        w.postMessage({ type: 'stop' } satisfies ThreadRequest);
        const timer = setTimeout(() => void w.terminate(), 5_000);
        await exited;
        clearTimeout(timer);
      } else {
        await w.terminate();
        await exited;
      }
      state = 'dead';
      for (const log of relayed.values()) log.close();
    }
  };
}
