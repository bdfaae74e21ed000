import fs from 'node:fs';
import path from 'node:path';
import { once } from 'node:events';
import { finished } from 'node:stream/promises';
import zlib from 'node:zlib';
import type Sqlite from 'better-sqlite3';
import type { Kysely } from 'kysely';
import type { DatabaseSchema } from '../../db/schema';
import { yieldToEventLoop } from '../read/readConnection';
import { CounterBatch, prepareNamed, readHead, writeHead, type LogStatements } from '../store/statements';
import { DAY_MS } from '../store/time';

const CHUNK = 2_000;
export const ARCHIVE_DIR = 'archive';

export interface RetentionResult {
  deleted: number;
  deletedUpdates: number;
  archive: string | null;
  anchorId: number;
}

export interface RetentionDeps {
  db: Kysely<DatabaseSchema>;
  sqlite: Sqlite.Database;
  statements: LogStatements;
  key: Buffer;
  keyId: string;
  dataDir: string;
  now?: () => number;
}

const hexify = (row: Record<string, unknown>) =>
  Object.fromEntries(Object.entries(row).map(([k, v]) => [k, Buffer.isBuffer(v) ? v.toString('hex') : v]));

/** Writes lines to a gzip file with backpressure, then fsyncs it before anyone relies on it. */
class ArchiveFile {
  private readonly gzip = zlib.createGzip({ level: 6 });
  private readonly out: fs.WriteStream;
  constructor(readonly tmpPath: string) {
    this.out = fs.createWriteStream(tmpPath, { mode: 0o600 });
    this.gzip.pipe(this.out);
  }
  async write(obj: unknown) {
    if (!this.gzip.write(JSON.stringify(obj) + '\n')) await once(this.gzip, 'drain');
  }
  async commit(finalPath: string) {
    this.gzip.end();
    await finished(this.out);
    const fd = fs.openSync(this.tmpPath, 'r+');
    try {
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    fs.renameSync(this.tmpPath, finalPath);
    try {
      const dir = fs.openSync(path.dirname(finalPath), 'r');
      fs.fsyncSync(dir);
      fs.closeSync(dir);
    } catch {
      // Directory fsync is not supported everywhere (Windows); the rename is still atomic.
    }
  }
  abort() {
    this.gzip.destroy();
    this.out.destroy();
    fs.rmSync(this.tmpPath, { force: true });
  }
}

/**
 * Retention: rows older than `days` leave the database only after they are in a
 * compressed NDJSON archive in the data directory (fsynced first). Deletion
 * takes a prefix of the chain, in chunks with event-loop yields, and moves each
 * chain's sealed anchor to the last deleted record, so the remaining log still
 * verifies and the archive verifies from the old anchor to the new one.
 * Counters are decremented for what leaves, so statistics stay exact.
 */
export function createRetention(deps: RetentionDeps) {
  const { db, sqlite, statements: st, key } = deps;
  const now = deps.now ?? Date.now;
  const prepare = (build: Parameters<typeof prepareNamed>[1]) => prepareNamed(sqlite, build);
  const rowPage = prepare((p) =>
    db.selectFrom('socket_logs').selectAll().where('id', '>', p('after') as never).orderBy('id').limit(p('limit') as never)
  );
  const updatesOfRows = prepare((p) =>
    db
      .selectFrom('socket_log_updates')
      .selectAll()
      .where('log_id', '>', p('from') as never)
      .where('log_id', '<=', p('to') as never)
      .orderBy('id')
  );
  const updatePage = prepare((p) =>
    db.selectFrom('socket_log_updates').selectAll().where('id', '>', p('after') as never).orderBy('id').limit(p('limit') as never)
  );
  const lateUpdates = prepare((p) =>
    db
      .selectFrom('socket_log_updates')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('log_id', '>', p('from') as never)
      .where('log_id', '<=', p('to') as never)
      .where('id', '>', p('after') as never)
  );
  const rowsForCounters = prepare((p) =>
    db
      .selectFrom('socket_logs')
      .select(['created_at', 'event_type', 'status', 'user_role', 'response_time_ms'])
      .where('id', '>', p('from') as never)
      .where('id', '<=', p('to') as never)
  );
  const deleteRows = prepare((p) => db.deleteFrom('socket_logs').where('id', '>', p('from') as never).where('id', '<=', p('to') as never));
  const deleteUpdates = prepare((p) =>
    db.deleteFrom('socket_log_updates').where('id', '>', p('from') as never).where('id', '<=', p('to') as never)
  );
  const macOf = prepare((p) => db.selectFrom('socket_logs').select('mac').where('id', '=', p('id') as never));
  const updateMacOf = prepare((p) => db.selectFrom('socket_log_updates').select('mac').where('id', '=', p('id') as never));

  let running: Promise<RetentionResult> | null = null;

  async function run(days: number): Promise<RetentionResult> {
    if (!Number.isInteger(days) || days < 1) throw new Error('Retention needs a whole number of days, at least 1.');
    const cutoff = now() - days * DAY_MS;
    const rowsHead = readHead(st, 'rows');
    const updatesHead = readHead(st, 'updates');

    // Phase 1: archive the old prefix of rows (id order, stopping at the first row inside retention).
    const dir = path.join(deps.dataDir, ARCHIVE_DIR);
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
    const stamp = new Date(now()).toISOString().replace(/[:.]/g, '-');
    const archive = new ArchiveFile(path.join(dir, `.socket-logs-${stamp}.ndjson.gz.tmp`));
    let lastRow = rowsHead.anchor_id;
    let lastRowMac = rowsHead.anchor_mac;
    let rowCount = 0;
    let maxArchivedUpdate = 0;
    // Phase 2 deletes exactly these chunks; each remembers the updates head when its updates were copied.
    const chunks: Array<{ from: number; to: number; updatesSeen: number }> = [];
    try {
      await archive.write({
        type: 'header',
        format: 'switchboard-socket-log-archive/1',
        created_at: new Date(now()).toISOString(),
        cutoff: new Date(cutoff).toISOString(),
        key_id: deps.keyId,
        rows_anchor: { id: rowsHead.anchor_id, mac: rowsHead.anchor_mac.toString('hex') },
        updates_anchor: { id: updatesHead.anchor_id, mac: updatesHead.anchor_mac.toString('hex') }
      });
      for (let done = false; !done; ) {
        const page = rowPage.all<Record<string, unknown> & { id: number; created_at: number; mac: Buffer }>({ after: lastRow, limit: CHUNK });
        const old = [];
        for (const row of page) {
          if (Number(row.created_at) >= cutoff) break;
          old.push(row);
        }
        done = old.length < CHUNK;
        if (old.length === 0) break;
        const first = lastRow;
        lastRow = Number(old[old.length - 1]!.id);
        lastRowMac = old[old.length - 1]!.mac;
        rowCount += old.length;
        // Every update of an archived row goes with it, so the archive verifies on its own. Read in
        // the same turn as the rows, so nothing can slip in between.
        const updatesSeen = readHead(st, 'updates').head_id;
        const updates = updatesOfRows.all<Record<string, unknown> & { id: number }>({ from: first, to: lastRow });
        chunks.push({ from: first, to: lastRow, updatesSeen });
        for (const row of old) await archive.write({ type: 'row', ...hexify(row) });
        for (const u of updates) {
          await archive.write({ type: 'update', ...hexify(u) });
          maxArchivedUpdate = Math.max(maxArchivedUpdate, Number(u.id));
        }
        await yieldToEventLoop();
      }
      if (rowCount === 0) {
        archive.abort();
        return { deleted: 0, deletedUpdates: 0, archive: null, anchorId: rowsHead.anchor_id };
      }
      await archive.write({ type: 'trailer', rows: rowCount, last_row: { id: lastRow, mac: lastRowMac.toString('hex') } });
    } catch (err) {
      archive.abort();
      throw err;
    }
    const finalPath = path.join(dir, `socket-logs-${rowsHead.anchor_id + 1}-${lastRow}-${stamp}.ndjson.gz`);
    await archive.commit(finalPath);

    // Phase 2: delete the archived rows, chunk by chunk, moving the anchor each time.
    let deleted = 0;
    let anchor = rowsHead.anchor_id;
    for (const chunk of chunks) {
      const to = chunk.to;
      const stop = sqlite.transaction(() => {
        const head = readHead(st, 'rows');
        if (head.anchor_id !== anchor) return 'moved';
        // A row updated after it was archived keeps its place until the next run archives it again.
        const late = lateUpdates.get<{ n: number }>({ from: anchor, to, after: chunk.updatesSeen });
        if (Number(late?.n ?? 0) > 0) return 'updated';
        const counters = new CounterBatch();
        for (const r of rowsForCounters.all<{ created_at: number; event_type: string; status: string; user_role: string | null; response_time_ms: number | null }>({ from: anchor, to })) {
          counters.add(Number(r.created_at), r.event_type, r.status, r.user_role, -1, r.response_time_ms);
        }
        const mac = macOf.get<{ mac: Buffer }>({ id: to })?.mac;
        if (!mac) return 'moved';
        const removed = deleteRows.run({ from: anchor, to }).changes;
        counters.apply(st);
        writeHead(st, key, { ...head, anchor_id: to, anchor_mac: mac, record_count: head.record_count - removed });
        deleted += removed;
        return null;
      }).immediate();
      if (stop) break;
      anchor = to;
      await yieldToEventLoop();
    }

    // Client event ids (hub exactly-once) go with the events they name: a resend older than retention is no resend.
    sqlite.prepare('DELETE FROM client_event_ids WHERE created_at < ?').run(cutoff);

    // Update records leave as a prefix too: up to the first one that belongs to a row still here.
    let deletedUpdates = 0;
    let uAnchor = updatesHead.anchor_id;
    for (;;) {
      const page = updatePage.all<{ id: number; log_id: number }>({ after: uAnchor, limit: CHUNK });
      let to = uAnchor;
      for (const u of page) {
        if (Number(u.log_id) > anchor || Number(u.id) > maxArchivedUpdate) break;
        to = Number(u.id);
      }
      if (to === uAnchor) break;
      const from = uAnchor;
      const ok = sqlite.transaction(() => {
        const head = readHead(st, 'updates');
        if (head.anchor_id !== from) return false;
        const mac = updateMacOf.get<{ mac: Buffer }>({ id: to })?.mac;
        if (!mac) return false;
        const removed = deleteUpdates.run({ from, to }).changes;
        writeHead(st, key, { ...head, anchor_id: to, anchor_mac: mac, record_count: head.record_count - removed });
        deletedUpdates += removed;
        return true;
      }).immediate();
      if (!ok) break;
      uAnchor = to;
      await yieldToEventLoop();
    }
    return { deleted, deletedUpdates, archive: finalPath, anchorId: anchor };
  }

  return {
    /** The seed's cleanup_old_socket_logs: archives, deletes, returns how many rows left. */
    cleanupOldSocketLogs(days: number): Promise<RetentionResult> {
      // One run at a time; a second caller shares the running one.
      running ??= run(days).finally(() => {
        running = null;
      });
      return running;
    }
  };
}

export type Retention = ReturnType<typeof createRetention>;
