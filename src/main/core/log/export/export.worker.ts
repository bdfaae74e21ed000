/**
 * The export helper's thread (entry point of a worker; started by exportHelper.ts).
 * It renders every other export segment on its own read-only connection, and is
 * only of use if that connection sees exactly the main thread's snapshot: it
 * opens, says `ready`, waits on the shared flag until the main thread has its
 * snapshot (the main thread blocks meanwhile, so no commit of this process can
 * slip in), takes its own snapshot, and sends the chain heads it sees for the
 * main thread to compare. It gets SQL compiled on the main thread.
 */
import Sqlite from 'better-sqlite3';
import { parentPort, workerData } from 'node:worker_threads';
import { bindValues } from './compiledStatement';
import type { ExportReply, ExportRequest, ExportWorkerData } from './exportHelper';

const messageOf = (err: unknown): string => String((err as Error | null)?.message ?? err);

function runExportWorker(data: ExportWorkerData): void {
  const port = parentPort!;
  const reply = (m: ExportReply, transfer?: ArrayBuffer[]) => port.postMessage(m, transfer);
  const { statements } = data;
  const flag = new Int32Array(data.sync);
  let db: Sqlite.Database;
  let probe: Sqlite.Statement;
  let body: Sqlite.Statement;
  let chains: Sqlite.Statement;
  try {
    db = new Sqlite(data.file, { readonly: true, fileMustExist: true });
    db.pragma('busy_timeout = 5000');
    db.pragma(`cache_size = ${Number(data.cacheSize)}`);
    db.prepare(`ATTACH DATABASE ? AS ${data.userIndex.schema}`).run(data.userIndex.file);
    probe = db.prepare(statements.probe.sql).pluck();
    body = db.prepare(statements.body.sql);
    chains = db.prepare(statements.chains.sql);
  } catch (err) {
    reply({ type: 'failed', error: messageOf(err) });
    throw err;
  }
  reply({ type: 'ready' });
  if (Atomics.wait(flag, 0, 0, 30_000) === 'timed-out' || Atomics.load(flag, 0) !== 1) {
    db.close();
    process.exit(0);
  }
  db.exec('BEGIN');
  db.prepare(data.userIndex.snapshotSql).get();
  const heads = chains.all(bindValues(statements.chains, {}));
  Atomics.store(flag, 0, 2);
  Atomics.notify(flag, 0);
  reply({ type: 'heads', heads });

  port.on('message', (m: ExportRequest) => {
    if (m.type === 'stop') {
      try {
        db.exec('COMMIT');
        db.close();
      } catch {
        // The read transaction ends with the connection either way.
      }
      port.close();
      return;
    }
    try {
      const values = { at: m.at, id: m.id, limit: m.limit };
      if (m.limit > 1 && (probe.get(bindValues(statements.probe, values)) as number) > data.pageJsonBytes) {
        reply({ type: 'page', seq: m.seq, onMain: 'too big' });
        return;
      }
      const r = body.get(bindValues(statements.body, values)) as { rows: number; fitting: number; body: Buffer | null };
      if (r.fitting < r.rows) {
        reply({ type: 'page', seq: m.seq, onMain: 'not exact in SQL' });
        return;
      }
      const buf = r.body ?? Buffer.alloc(0);
      // Transfer the bytes without a copy when the Buffer owns its whole ArrayBuffer.
      const own = buf.byteOffset === 0 && buf.byteLength === buf.buffer.byteLength;
      const bytes = (own ? buf.buffer : buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength)) as ArrayBuffer;
      reply({ type: 'page', seq: m.seq, rows: r.rows, body: bytes }, [bytes]);
    } catch (err) {
      reply({ type: 'page', seq: m.seq, onMain: messageOf(err) });
    }
  });
}

runExportWorker(workerData as ExportWorkerData);
