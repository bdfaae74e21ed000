import Sqlite from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { verifyLogFile } from '../../../src/main/core/log/integrity/verify';
import { entry, openLogFixture, runCli, type LogFixture } from './helpers';

let fx: LogFixture | undefined;
afterEach(async () => {
  await fx?.close();
  fx = undefined;
});

/** Ten rows, rows 3 and 7 updated, plus an access record; then the fixture is closed so only a raw hand touches the file. */
async function loggedFile() {
  fx = await openLogFixture();
  for (let i = 0; i < 10; i += 1) await fx.writer.createSocketLog(entry({ eventType: i % 2 ? 'ambulance_request' : 'connect' }));
  await fx.writer.updateSocketLog(3, { status: 'success', responseTimeMs: 800 });
  await fx.writer.updateSocketLog(7, { status: 'failed', errorMessage: 'no hospital' });
  await fx.writer.recordAccess({ actor: 'ann', actorRole: 'auditor', channel: 'rest', query: 'statistics', params: {}, rowCount: 10 });
  const { file } = fx.database;
  const { dataDir, keys } = fx;
  await fx.close();
  fx = undefined;
  return { file, dataDir, key: keys.mac };
}

const tamper = (file: string, sql: string) => {
  const db = new Sqlite(file);
  db.exec(sql);
  db.close();
};

describe('tamper evidence', () => {
  it('verifies an untouched log', async () => {
    const { file, key } = await loggedFile();
    const report = await verifyLogFile(file, key);
    expect(report).toMatchObject({ ok: true, checked: { rows: 10, updates: 2, access: 1 }, first_bad: null });
  });

  const cases: Array<[string, string, { table: string; id: number; reason: RegExp }]> = [
    ['an edited immutable column', "UPDATE socket_logs SET user_id = 'mallory' WHERE id = 5", { table: 'socket_logs', id: 5, reason: /does not match its MAC/ }],
    ['an edited outcome without an update record', "UPDATE socket_logs SET status = 'success' WHERE id = 4", { table: 'socket_logs', id: 4, reason: /MAC/ }],
    ['an edited outcome of an updated row', "UPDATE socket_logs SET status = 'success' WHERE id = 7", { table: 'socket_logs', id: 7, reason: /last recorded update: edited/ }],
    ['a row rolled back to its state before an update', "UPDATE socket_logs SET status = 'pending', response_time_ms = NULL, processed = 0, processed_at = NULL, version = 0 WHERE id = 3", { table: 'socket_logs', id: 3, reason: /rolled back/ }],
    ['a deleted row', 'DELETE FROM socket_logs WHERE id = 6', { table: 'socket_logs', id: 6, reason: /id 6 is missing \(deleted\)/ }],
    ['two rows swapped', "UPDATE socket_logs SET id = -1 WHERE id = 8; UPDATE socket_logs SET id = 8 WHERE id = 9; UPDATE socket_logs SET id = 9 WHERE id = -1", { table: 'socket_logs', id: 8, reason: /MAC/ }],
    ['a truncated tail', 'DELETE FROM socket_logs WHERE id >= 9', { table: 'socket_logs', id: 9, reason: /tail was truncated/ }],
    ['a deleted update record', 'DELETE FROM socket_log_updates WHERE id = 1', { table: 'socket_logs', id: 3, reason: /version 1 but has 0 update/ }],
    ['an edited access record', "UPDATE socket_log_access SET row_count = 0", { table: 'socket_log_access', id: 1, reason: /MAC/ }],
    ['a head moved back to hide truncation', "DELETE FROM socket_logs WHERE id = 10; UPDATE socket_log_chains SET head_id = 9, record_count = 9 WHERE chain = 'rows'", { table: 'socket_log_chains', id: 0, reason: /sealed head of the rows chain was altered/ }]
  ];
  for (const [what, sql, expected] of cases) {
    it(`detects ${what}, naming the first bad row`, async () => {
      const { file, key } = await loggedFile();
      tamper(file, sql);
      const report = await verifyLogFile(file, key);
      expect(report.ok).toBe(false);
      expect(report.first_bad).toMatchObject({ table: expected.table, id: expected.id });
      expect(report.first_bad!.reason).toMatch(expected.reason);
    });
  }

  it('`switchboard verify` exits 0 on a clean log and 1 naming the first bad row', async () => {
    const { file, dataDir } = await loggedFile();
    const clean = await runCli(['verify', '--data-dir', dataDir, '--actor', 'auditor-ann']);
    expect(clean.code).toBe(0);
    expect(clean.stdout).toMatch(/^OK: 10 rows, 2 updates and 1 access records verify/);
    tamper(file, "UPDATE socket_logs SET event_data = '{}' WHERE id = 2");
    const bad = await runCli(['verify', '--data-dir', dataDir]);
    expect(bad.code).toBe(1);
    expect(bad.stdout).toMatch(/^TAMPERED: first bad row: socket_logs id 2: /);
    // The verification itself was recorded in the access log, by the named actor.
    const db = new Sqlite(file, { readonly: true });
    const reads = db.prepare("SELECT actor, channel, query, row_count FROM socket_log_access WHERE query = 'verify' ORDER BY id").all();
    db.close();
    expect(reads[0]).toEqual({ actor: 'auditor-ann', channel: 'cli', query: 'verify', row_count: 10 });
  });
});
