import Sqlite from 'better-sqlite3';
import fs from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { countRows, listRows, type RowFilter } from '../../../src/main/core/log/read/queries';
import { openReadOnly, openReadSnapshot } from '../../../src/main/core/log/read/readConnection';
import { createRetention } from '../../../src/main/core/log/integrity/retention';
import { attachUserIndex, createUserIndexPass, reconcileUserIndex, userIndexFile } from '../../../src/main/core/log/userIndex/userIndex';
import pino from 'pino';
import { openUserIndexing, startUserIndexer } from '../../../src/main/core/log/userIndex/userIndexer';
import { entry, openLogFixture, type LogFixture } from './helpers';

const DAY = 86_400_000;
let fx: LogFixture | undefined;
const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c();
  await fx?.close();
  fx = undefined;
});

const USERS = ['crew-1', 'crew-2', 'patient-9'];

/** Rows of three users, interleaved, with two event types and clock ties. */
async function writeRows(f: LogFixture, n: number, startAt = f.clock.now) {
  for (let i = 0; i < n; i++) {
    f.clock.now = startAt + Math.floor(i / 2); // pairs share a millisecond: the id breaks the tie
    await f.writer.createSocketLog(entry({ userId: USERS[i % 3], eventType: i % 4 === 0 ? 'connect' : 'update_location' }));
  }
}

/** The answer without any index: a plain scan of the table in the same order. */
function scanned(f: LogFixture, userId: string, eventType?: string): number[] {
  const rows = f.database.sqlite
    .prepare(`SELECT id FROM socket_logs NOT INDEXED WHERE user_id = ? ${eventType ? 'AND event_type = ?' : ''} ORDER BY created_at DESC, id DESC`)
    .pluck()
    .all(...(eventType ? [userId, eventType] : [userId])) as number[];
  return rows;
}

function queries(f: LogFixture) {
  const conn = openReadOnly(f.database.file);
  cleanups.push(() => conn.db.destroy());
  const ids = async (filter: RowFilter, limit = 1000, offset = 0) => (await listRows(conn.db, filter, { limit, offset })).map((r) => r.id);
  return { conn, ids };
}

function indexer(f: LogFixture) {
  const indexing = openUserIndexing(f.database.file);
  cleanups.push(() => indexing.close());
  return indexing;
}

const indexEntries = (f: LogFixture) => {
  const own = openReadOnly(f.database.file);
  const n = own.sqlite.prepare('SELECT count(*) FROM ux.socket_log_user_index').pluck().get();
  own.sqlite.close();
  return Number(n);
};

describe('the per-user index', () => {
  it('answers per-user pages exactly whether rows are indexed, recent, or split between the two', async () => {
    fx = await openLogFixture();
    const f = fx;
    const { ids } = queries(f);
    await writeRows(f, 90);
    // Nothing indexed yet: everything comes from the recent-rows arm.
    for (const u of USERS) expect(await ids({ userId: u })).toEqual(scanned(f, u));

    const pass = indexer(f).pass();
    expect(pass).toMatchObject({ rows: 90, behind: 0 });
    await writeRows(f, 30, f.clock.now + 1);
    // 90 indexed, 30 recent: one merged newest-first order, pages and filters included.
    for (const u of USERS) {
      expect(await ids({ userId: u })).toEqual(scanned(f, u));
      expect(await ids({ userId: u, eventTypes: ['update_location'] })).toEqual(scanned(f, u, 'update_location'));
      expect(await ids({ userId: u }, 7, 5)).toEqual(scanned(f, u).slice(5, 12));
    }
    const { conn } = queries(f);
    expect(await countRows(conn.db, { userId: 'crew-2' }, 1000)).toEqual({ total: scanned(f, 'crew-2').length, capped: false });
    expect(await ids({ userId: 'nobody' })).toEqual([]);
  });

  it('catches up in bounded passes and is rebuilt from the log when its file is deleted', async () => {
    fx = await openLogFixture();
    const f = fx;
    await writeRows(f, 50);
    const indexing = indexer(f);
    expect(indexing.pass()).toMatchObject({ rows: 50, behind: 0 });
    indexing.close();
    cleanups.pop();

    for (const suffix of ['', '-wal', '-shm']) fs.rmSync(userIndexFile(f.database.file) + suffix, { force: true });
    const conn = new Sqlite(f.database.file);
    cleanups.push(() => conn.close());
    attachUserIndex(conn, f.database.file);
    const pass = createUserIndexPass(conn, 20);
    expect(pass()).toMatchObject({ rows: 20, behind: 30 });
    expect(pass()).toMatchObject({ rows: 20, behind: 10 });
    expect(pass()).toMatchObject({ rows: 10, behind: 0 });
    expect(indexEntries(f)).toBe(50);
    const { ids } = queries(f);
    for (const u of USERS) expect(await ids({ userId: u })).toEqual(scanned(f, u));
  });

  it('throws away an unreadable index file and rebuilds it from the log', async () => {
    fx = await openLogFixture();
    const f = fx;
    await writeRows(f, 20);
    const first = openUserIndexing(f.database.file);
    first.pass();
    first.close();
    fs.writeFileSync(userIndexFile(f.database.file), Buffer.alloc(8192, 7));
    fs.rmSync(userIndexFile(f.database.file) + '-wal', { force: true });
    fs.rmSync(userIndexFile(f.database.file) + '-shm', { force: true });
    expect(reconcileUserIndex(f.database.file, f.database.sqlite)).toEqual({ dropped: 0, upto: 0, rebuilt: true });
    expect(indexer(f).pass()).toMatchObject({ rows: 20, behind: 0 });
    const { ids } = queries(f);
    for (const u of USERS) expect(await ids({ userId: u })).toEqual(scanned(f, u));
  });

  it('drops entries of rows a crash took back, and never shows a row under another user\'s entry', async () => {
    fx = await openLogFixture();
    const f = fx;
    await writeRows(f, 12);
    indexer(f).pass();
    // A power cut lost rows 11 and 12 after the indexer had read them: the log goes back to 10.
    f.database.sqlite.exec("DELETE FROM socket_logs WHERE id > 10; UPDATE sqlite_sequence SET seq = 10 WHERE name = 'socket_logs'");
    expect(reconcileUserIndex(f.database.file, f.database.sqlite)).toEqual({ dropped: 2, upto: 10, rebuilt: false });
    await f.writer.createSocketLog(entry({ userId: 'patient-9' }));
    const { ids } = queries(f);
    for (const u of USERS) expect(await ids({ userId: u })).toEqual(scanned(f, u));
    // Should an entry still point at a row of another user (an id issued again), the join drops it.
    const other = f.database.sqlite.prepare("SELECT id, created_at FROM socket_logs WHERE user_id = 'patient-9' ORDER BY id DESC LIMIT 1").get() as { id: number; created_at: number };
    const conn = new Sqlite(f.database.file);
    cleanups.push(() => conn.close());
    attachUserIndex(conn, f.database.file);
    conn.prepare('INSERT INTO ux.socket_log_user_index (user_id, created_at, id) VALUES (?, ?, ?)').run('crew-1', other.created_at, other.id);
    expect(await ids({ userId: 'crew-1' })).toEqual(scanned(f, 'crew-1'));
    expect(await ids({ userId: 'crew-1' })).not.toContain(other.id);
  });

  it('prunes the entries of rows retention deleted, and a snapshot taken before keeps them', async () => {
    fx = await openLogFixture();
    const f = fx;
    const today = f.clock.now;
    await writeRows(f, 30, today - 100 * DAY);
    await writeRows(f, 9, today);
    const indexing = indexer(f);
    indexing.pass();
    const before = openReadSnapshot(f.database.file);
    cleanups.push(() => before.close());
    const result = await createRetention({ db: f.database.db, sqlite: f.database.sqlite, statements: f.writer.statements, key: f.keys.mac, keyId: f.keys.keyId, dataDir: f.dataDir, now: () => f.clock.now }).cleanupOldSocketLogs(90);
    expect(result.deleted).toBe(30);
    expect(indexing.pass()).toMatchObject({ pruned: 30 });
    expect(indexEntries(f)).toBe(9);
    const { ids } = queries(f);
    for (const u of USERS) expect(await ids({ userId: u })).toEqual(scanned(f, u));
    // The snapshot opened before retention still lists every row of its own view.
    const old = await listRows(before.db, { userId: 'crew-1' }, { limit: 100, offset: 0 });
    expect(old).toHaveLength(13);
  });

  it('indexes on the main thread when its thread cannot start', async () => {
    fx = await openLogFixture();
    const f = fx;
    await writeRows(f, 15);
    const failing = { source: `require('node:worker_threads').parentPort.postMessage({ type: 'failed', error: 'no driver here' });`, eval: true };
    const indexer = startUserIndexer({ file: f.database.file, intervalMs: 60_000, logger: pino({ level: 'silent' }), source: failing });
    cleanups.push(() => indexer.close());
    await expect.poll(async () => (await indexer.runNow().catch(() => null))?.behind, { timeout: 60_000 }).toBe(0);
    expect(indexEntries(f)).toBe(15);
  });
});
