import { createRequire } from 'node:module';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import type { CompiledStatement, RenderedPage, Segment } from './exportPages';
import { USER_INDEX_SCHEMA, USER_INDEX_SNAPSHOT_SQL, userIndexFile } from './userIndex';

/**
 * A second thread rendering export segments, so SQLite formats on two cores.
 * It has its own read-only connection, and the export is only correct if that
 * connection sees exactly the main snapshot: the main thread takes its
 * snapshot and then blocks (Atomics.wait, so no commit of this process can run)
 * while the helper takes its own; both then read the chain heads, which every
 * change to socket_logs moves (insert: rows head, update: updates head,
 * retention: rows anchor), and the helper is only used when they are equal.
 *
 * Plain JS evaluated in the worker, as checkpointer.ts does, so no bundler has
 * to know about a second entry point. It gets SQL compiled on the main thread.
 */
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const { file, statements, pageJsonBytes, sync } = workerData;
const flag = new Int32Array(sync);
const bind = (st, values) => st.bind.map((b) => ('name' in b ? values[b.name] : b.value));
let db;
try {
  const Sqlite = require(workerData.driver);
  db = new Sqlite(file, { readonly: true, fileMustExist: true });
  db.pragma('busy_timeout = 5000');
  db.pragma('cache_size = ' + workerData.cacheSize);
  db.prepare('ATTACH DATABASE ? AS ' + workerData.userIndex.schema).run(workerData.userIndex.file);
  var probe = db.prepare(statements.probe.sql).pluck();
  var body = db.prepare(statements.body.sql);
  var chains = db.prepare(statements.chains.sql);
} catch (err) {
  parentPort.postMessage({ type: 'failed', error: String((err && err.message) || err) });
  throw err;
}
parentPort.postMessage({ type: 'ready' });
if (Atomics.wait(flag, 0, 0, 30000) === 'timed-out' || Atomics.load(flag, 0) !== 1) {
  db.close();
  process.exit(0);
}
db.exec('BEGIN');
db.prepare(workerData.userIndex.snapshotSql).get();
const heads = chains.all(bind(statements.chains, {}));
Atomics.store(flag, 0, 2);
Atomics.notify(flag, 0);
parentPort.postMessage({ type: 'heads', heads });
parentPort.on('message', (m) => {
  if (m.type === 'stop') {
    try { db.exec('COMMIT'); db.close(); } catch {}
    parentPort.close();
    return;
  }
  try {
    const values = { at: m.at, id: m.id, limit: m.limit };
    if (m.limit > 1 && probe.get(bind(statements.probe, values)) > pageJsonBytes) {
      parentPort.postMessage({ type: 'page', seq: m.seq, onMain: 'too big' });
      return;
    }
    const r = body.get(bind(statements.body, values));
    if (r.fitting < r.rows) {
      parentPort.postMessage({ type: 'page', seq: m.seq, onMain: 'not exact in SQL' });
      return;
    }
    const buf = r.body || Buffer.alloc(0);
    const own = buf.byteOffset === 0 && buf.byteLength === buf.buffer.byteLength;
    const bytes = own ? buf.buffer : buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength);
    parentPort.postMessage({ type: 'page', seq: m.seq, rows: r.rows, body: bytes }, [bytes]);
  } catch (err) {
    parentPort.postMessage({ type: 'page', seq: m.seq, onMain: String((err && err.message) || err) });
  }
});
`;

type Message =
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

function resolveDriver(): string {
  const base = typeof __filename === 'string' ? __filename : path.join(process.cwd(), 'index.js');
  return createRequire(base).resolve('better-sqlite3');
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
    sync = new SharedArrayBuffer(4);
    worker = new Worker(WORKER_SOURCE, {
      eval: true,
      workerData: { driver: resolveDriver(), file: options.file, userIndex: { file: userIndexFile(options.file), schema: USER_INDEX_SCHEMA, snapshotSql: USER_INDEX_SNAPSHOT_SQL }, statements: options.statements, pageJsonBytes: options.pageJsonBytes, cacheSize: options.cacheSize, sync }
    });
  } catch {
    return null;
  }
  const flag = new Int32Array(sync);
  const waiting = new Map<number, (page: RenderedPage | null) => void>();
  let alive = true;
  let exited = false;
  let onMessage: ((m: Message) => void) | null = null;
  const stop = () => {
    if (!alive) return;
    alive = false;
    for (const resolve of waiting.values()) resolve(null);
    waiting.clear();
    // Releases a helper still waiting for the snapshot signal (it then exits).
    Atomics.store(flag, 0, -1);
    Atomics.notify(flag, 0);
  };
  worker.on('message', (m: Message) => {
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
  const next = (type: Message['type']) =>
    new Promise<Message | null>((resolve) => {
      if (!alive) return resolve(null);
      onMessage = (m) => resolve(m.type === type ? m : null);
      worker.once('exit', () => resolve(null));
    });

  const close = async () => {
    const wasAlive = alive;
    stop();
    if (wasAlive) worker.postMessage({ type: 'stop' });
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
        worker.postMessage({ type: 'page', seq: id, at: segment.after.at, id: segment.after.id, limit: segment.limit });
      });
    },
    close
  };
}
