import fs from 'node:fs';
import zlib from 'node:zlib';
import { afterEach, describe, expect, it } from 'vitest';
import { verifyArchiveFile } from '../../../src/main/core/log/integrity/archiveVerify';
import { createRetention } from '../../../src/main/core/log/integrity/retention';
import { aggregate } from '../../../src/main/core/log/read/statistics';
import { verifyLogFile } from '../../../src/main/core/log/integrity/verify';
import { entry, listArchives, openLogFixture, runCli, type LogFixture } from './helpers';

const DAY = 86_400_000;
let fx: LogFixture | undefined;
afterEach(async () => {
  await fx?.close();
  fx = undefined;
});

/** 120 rows 100 days old (some updated), then 30 rows from today. */
async function agedLog() {
  fx = await openLogFixture();
  const today = fx.clock.now;
  fx.clock.now = today - 100 * DAY;
  const old = await Promise.all(Array.from({ length: 120 }, (_, i) => fx!.writer.createSocketLog(entry({ eventType: i % 3 ? 'connect' : 'ambulance_request' }))));
  for (const { id } of old.filter((_, i) => i % 10 === 0)) await fx.writer.updateSocketLog(id, { status: 'success', responseTimeMs: 900 });
  fx.clock.now = today;
  await Promise.all(Array.from({ length: 30 }, () => fx!.writer.createSocketLog(entry())));
  await fx.writer.updateSocketLog(1, { status: 'failed', errorMessage: 'late update to an old row' });
  return fx;
}

const retentionOf = (f: LogFixture) =>
  createRetention({ db: f.database.db, sqlite: f.database.sqlite, statements: f.writer.statements, key: f.keys.mac, keyId: f.keys.keyId, dataDir: f.dataDir, now: () => f.clock.now });

describe('retention', () => {
  it('archives old rows to compressed NDJSON, deletes them, and the chain still verifies from the anchor', async () => {
    const f = await agedLog();
    const result = await retentionOf(f).cleanupOldSocketLogs(90);
    expect(result.deleted).toBe(120);
    expect(result.anchorId).toBe(120);
    const remaining = f.database.sqlite.prepare('SELECT min(id) AS lo, count(*) AS n FROM socket_logs').get();
    expect(remaining).toEqual({ lo: 121, n: 30 });

    const lines = zlib.gunzipSync(fs.readFileSync(result.archive!)).toString('utf8').trim().split('\n').map((l) => JSON.parse(l) as { type: string });
    expect(lines.filter((l) => l.type === 'row')).toHaveLength(120);
    expect(lines.filter((l) => l.type === 'update')).toHaveLength(13);
    expect((fs.statSync(result.archive!).mode & 0o777).toString(8)).toBe('600');
    expect(await verifyArchiveFile(result.archive!, f.keys.mac)).toMatchObject({ ok: true, rows: 120, firstId: 1, lastId: 120 });

    const report = await verifyLogFile(f.database.file, f.keys.mac);
    expect(report.ok, report.problems.join('; ')).toBe(true);
    expect(report.heads.rows).toEqual({ head_id: 150, anchor_id: 120, record_count: 30 });

    // Counters lost exactly what left: statistics over all time count the 30 rows still here.
    const combos = await aggregate(f.database.db, { from: 0, to: f.clock.now + DAY });
    expect(combos.reduce((n, c) => n + c.count, 0)).toBe(30);

    // Nothing left to do on a second run; the log keeps verifying and accepting writes.
    expect((await retentionOf(f).cleanupOldSocketLogs(90)).deleted).toBe(0);
    await f.writer.createSocketLog(entry());
    expect((await verifyLogFile(f.database.file, f.keys.mac)).ok).toBe(true);
  });

  it('a tampered archive fails its own verification', async () => {
    const f = await agedLog();
    const { archive } = await retentionOf(f).cleanupOldSocketLogs(90);
    const text = zlib.gunzipSync(fs.readFileSync(archive!)).toString('utf8').replace('"user_id":"patient-1"', '"user_id":"someone-else"');
    fs.writeFileSync(archive!, zlib.gzipSync(text));
    const check = await verifyArchiveFile(archive!, f.keys.mac);
    expect(check.ok).toBe(false);
    expect(check.problems[0]).toMatch(/row 1 does not match its MAC/);
  });

  it('`switchboard retention --days` runs against the data dir and reports the count', async () => {
    const f = await agedLog();
    const dataDir = f.dataDir;
    await f.close();
    fx = undefined;
    const run = await runCli(['retention', '--days', '90', '--data-dir', dataDir]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/Archived and deleted 120 rows older than 90 days/);
    expect(listArchives(dataDir)).toHaveLength(1);
    const verify = await runCli(['verify', '--archive', listArchives(dataDir)[0]!, '--data-dir', dataDir]);
    expect(verify.code).toBe(0);
    expect((await runCli(['verify', '--data-dir', dataDir])).code).toBe(0);
    expect((await runCli(['retention', '--days', 'zero', '--data-dir', dataDir])).code).toBe(2);
  });
});
