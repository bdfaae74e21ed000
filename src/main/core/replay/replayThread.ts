import { Worker } from 'node:worker_threads';
import type { Logger } from '../logger';
import { AppError } from '../errors';
import type { LogKeys } from '../log/store/chain';
import { openReadOnly } from '../log/read/readConnection';
import { createReplayOps, type ReplayRequest } from './replayOps';
import { locateWorker } from '../workers/locateWorker';

type Request = ReplayRequest extends infer R ? (R extends { id: number } ? Omit<R, 'id'> : never) : never;

export interface ReplayThread {
  request<T>(request: Request): Promise<T>;
  /** 'thread' once the worker answers; 'inline' while it starts or if it cannot run. */
  where(): 'thread' | 'inline';
  close(): Promise<void>;
}

/**
 * Runs the replay's reads on their own thread so a supervisor seeking or
 * playing never stalls the hub. Until the thread is ready, and for good if it
 * cannot start or dies, the reads run inline on a connection of their own.
 */
export function startReplayThread(options: { file: string; dataDir: string; keys: LogKeys; logger: Logger }): ReplayThread {
  const inlineReader = openReadOnly(options.file);
  const inline = createReplayOps(inlineReader.sqlite, options.keys);
  const waiting = new Map<number, { resolve(v: unknown): void; reject(e: unknown): void }>();
  let nextId = 1;
  let worker: Worker | null = null;
  let ready = false;

  const giveUp = (why: string) => {
    if (worker) options.logger.warn({ why }, 'replay thread unavailable; replays run on the main thread');
    ready = false;
    worker = null;
    for (const [, w] of waiting) w.reject(new AppError('UNAVAILABLE', 'The replay thread stopped before it answered; ask again.'));
    waiting.clear();
  };
  const located = locateWorker('replay');
  if (located) {
    try {
      worker = new Worker(located.source, { eval: located.eval, workerData: { file: options.file, dataDir: options.dataDir } });
      worker.unref();
      worker.on('message', (m: { type?: string; id?: number; ok?: boolean; value?: unknown; error?: { code: string; message: string } }) => {
        if (m.type === 'ready') ready = true;
        else if (m.type === 'failed') giveUp(String((m as { error?: string }).error));
        else if (m.id !== undefined) {
          const w = waiting.get(m.id);
          waiting.delete(m.id);
          if (m.ok) w?.resolve(m.value);
          else w?.reject(new AppError((m.error?.code ?? 'INTERNAL') as never, m.error?.message ?? 'replay failed'));
        }
      });
      worker.on('error', (err) => giveUp(err.message));
      worker.on('exit', () => giveUp('exited'));
    } catch (err) {
      giveUp((err as Error).message);
    }
  }

  return {
    where: () => (ready ? 'thread' : 'inline'),
    request<T>(request: Request): Promise<T> {
      const id = nextId++;
      if (!ready || !worker) return Promise.resolve().then(() => inline.run({ ...request, id } as ReplayRequest) as T);
      return new Promise<T>((resolve, reject) => {
        waiting.set(id, { resolve: resolve as (v: unknown) => void, reject });
        worker!.postMessage({ ...request, id });
      });
    },
    async close() {
      const w = worker;
      worker = null;
      ready = false;
      if (w) {
        w.postMessage({ type: 'close' });
        await w.terminate().catch(() => undefined);
      }
      inlineReader.sqlite.close();
    }
  };
}
