import { Worker } from 'node:worker_threads';
import { locateWorker } from '../../workers/locateWorker';
import type { CompiledStatement } from './compiledStatement';
import type { RenderedPage, Segment } from './exportPages';
import { USER_INDEX_SCHEMA, USER_INDEX_SNAPSHOT_SQL, userIndexFile } from '../userIndex/userIndex';

/**
 * A second thread rendering export segments, so SQLite formats on two cores.
 * It has its own read-only connection, and the export is only correct if that
 * connection sees exactly the main snapshot: the main thread takes its
 * snapshot and then blocks (Atomics.wait, so no commit of this process can run)
 * while the helper takes its own; both then read the chain heads, which every
 * change to socket_logs moves (insert: rows head, update: updates head,
 * retention: rows anchor), and the helper is only used when they are equal.

 */

/** What the helper's thread (export.worker.ts) starts with. */
export interface ExportWorkerData {
  file: string;
  statements: HelperStatements;
  pageJsonBytes: number;
  cacheSize: number;
  /** The per-user index file, attached as `schema`; `snapshotSql` starts its read snapshot. */
  userIndex: { file: string; schema: string; snapshotSql: string };
  /** One Int32: 0 waiting, 1 the main snapshot is taken, 2 the helper's too, -1 give up. */
  sync: SharedArrayBuffer;
}

/** Main thread -> helper. */
export type ExportRequest = { type: 'page'; seq: number; at: number; id: number; limit: number } | { type: 'stop' };

/** Helper -> main thread. `onMain`: the main thread renders this page (and why). */
export type ExportReply =
  | { type: 'ready' }
  | { type: 'failed'; error: string }
  | { type: 'heads'; heads: unknown[] }
  | { type: 'page'; seq: number; rows?: number; body?: ArrayBuffer; onMain?: string };

export interface HelperStatements {
  probe: CompiledStatement;
  body: CompiledStatement;
  /** Every chain's head and anchor, in a fixed order. */
  chains: CompiledStatement;
}

export interface ExportHelper {
  readonly alive: boolean;
  /** Segments handed over and not yet returned. */
  readonly inFlight: number;
  /** The segment's page, or null when the main thread has to render it (over the JSON budget, not exact in SQL, helper gone). */
  render(segment: Segment): Promise<RenderedPage | null>;
  close(): Promise<void>;
}

/** The chains statement selects MACs as hex, so the rows compare as JSON. */
const sameHeads = (a: unknown[], b: unknown[]) => JSON.stringify(a) === JSON.stringify(b);

/**
 * Starts the helper and lines its snapshot up with the main one:
 * `takeMainSnapshot` must start the main read transaction (its first read) and
 * return the chain heads it sees. Resolves to null, with the helper stopped,
 * when it cannot start or its snapshot differs (a commit from another process
 * slipped in): the export then runs on the main thread alone.
 */
export async function startExportHelper(options: {
  file: string;
  statements: HelperStatements;
  pageJsonBytes: number;
  cacheSize: number;
  takeMainSnapshot(): unknown[];
}): Promise<ExportHelper | null> {
  let sync: SharedArrayBuffer;
  let worker: Worker;
  try {
    const located = locateWorker('export');
    if (!located) return null;
    sync = new SharedArrayBuffer(4);
    const workerData: ExportWorkerData = {
      file: options.file,
      userIndex: { file: userIndexFile(options.file), schema: USER_INDEX_SCHEMA, snapshotSql: USER_INDEX_SNAPSHOT_SQL },
      statements: options.statements,
      pageJsonBytes: options.pageJsonBytes,
      cacheSize: options.cacheSize,
      sync
    };
    worker = new Worker(located.source, { eval: located.eval, workerData });
  } catch {
    return null;
  }
  const flag = new Int32Array(sync);
  const waiting = new Map<number, (page: RenderedPage | null) => void>();
  let alive = true;
  let exited = false;
  let onMessage: ((m: ExportReply) => void) | null = null;
  const stop = () => {
    if (!alive) return;
    alive = false;
    for (const resolve of waiting.values()) resolve(null);
    waiting.clear();
    // Releases a helper still waiting for the snapshot signal (it then exits).
    Atomics.store(flag, 0, -1);
    Atomics.notify(flag, 0);
  };
  worker.on('message', (m: ExportReply) => {
    if (m.type === 'page') {
      const resolve = waiting.get(m.seq);
      waiting.delete(m.seq);
      resolve?.(m.body && m.onMain === undefined ? { body: Buffer.from(m.body), rows: Number(m.rows), formattedInJs: false } : null);
    } else onMessage?.(m);
  });
  worker.on('error', stop);
  worker.on('exit', () => {
    exited = true;
    stop();
  });
  const next = (type: ExportReply['type']) =>
    new Promise<ExportReply | null>((resolve) => {
      if (!alive) return resolve(null);
      onMessage = (m) => resolve(m.type === type ? m : null);
      worker.once('exit', () => resolve(null));
    });

  const close = async () => {
    const wasAlive = alive;
    stop();
    if (wasAlive) worker.postMessage({ type: 'stop' } satisfies ExportRequest);
    const timer = setTimeout(() => void worker.terminate(), 2_000);
    await new Promise<void>((resolve) => (exited ? resolve() : worker.once('exit', () => resolve())));
    clearTimeout(timer);
  };

  if (!(await next('ready'))) {
    await close();
    return null;
  }
  const headsMessage = next('heads');
  let mainHeads: unknown[];
  try {
    mainHeads = options.takeMainSnapshot();
    Atomics.store(flag, 0, 1);
    Atomics.notify(flag, 0);
    // Blocks this thread, and so this process's writer, until the helper has its snapshot (about a millisecond).
    Atomics.wait(flag, 0, 1, 5_000);
  } catch {
    // Atomics.wait refused on this thread, or the read failed: export on this thread alone (which reports a read failure itself).
    await close();
    return null;
  }
  const helperHeads = (await headsMessage) as { heads: unknown[] } | null;
  if (!helperHeads || !sameHeads(mainHeads, helperHeads.heads)) {
    await close();
    return null;
  }

  let seq = 0;
  return {
    get alive() {
      return alive;
    },
    get inFlight() {
      return waiting.size;
    },
    render(segment: Segment) {
      if (!alive) return Promise.resolve(null);
      const id = ++seq;
      return new Promise<RenderedPage | null>((resolve) => {
        waiting.set(id, resolve);
        worker.postMessage({ type: 'page', seq: id, at: segment.after.at, id: segment.after.id, limit: segment.limit } satisfies ExportRequest);
      });
    },
    close
  };
}
