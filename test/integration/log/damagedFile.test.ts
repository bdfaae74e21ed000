import Sqlite from 'better-sqlite3';
import fs from 'node:fs';
import path from 'node:path';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { createGroupCommitWriter, type GroupCommitWriter } from '../../../src/main/core/log/write/writer';
import { createSecretScrubber } from '../../../src/main/core/logger';
import { startTestCore, tokenFor, type TestCore } from '../../helpers/core';
import { waitFor } from '../../helpers/waitFor';
import { entry, openLogFixture, type LogFixture } from './helpers';

let fx: LogFixture | undefined;
let writer: GroupCommitWriter | undefined;
let t: TestCore | undefined;
afterEach(async () => {
  await writer?.close();
  await fx?.close();
  await t?.close();
  fx = writer = t = undefined;
});

const bulky = (i: number) => entry({ eventData: { i, note: 'x'.repeat(1500) } });

describe('a damaged database file is found by whoever touches it first', () => {
  it('the commit thread refuses a batch into a truncated file before checkpointing the WAL back over it', async () => {
    fx = await openLogFixture();
    const errors: unknown[] = [];
    writer = createGroupCommitWriter({
      database: fx.database,
      keys: fx.keys,
      scrubber: createSecretScrubber([]),
      logger: pino({ level: 'silent' }),
      commitOn: 'thread',
      guard: { refusal: () => null, onCommitError: (err) => errors.push(err) }
    });
    await waitFor('the commit thread', () => writer!.stats().committing === 'thread');
    await Promise.all(Array.from({ length: 300 }, (_, i) => writer!.createSocketLog(bulky(i))));

    fs.truncateSync(fx.database.file, 0);
    // The thread looks at the file before each of its checkpoints (every few dozen commits at most).
    let refused: unknown;
    for (let i = 300; i < 400 && !refused; i += 1) refused = await writer.createSocketLog(bulky(i)).then(() => undefined, (err: unknown) => err);
    expect(refused).toMatchObject({ code: 'UNAVAILABLE' });
    expect(errors[0]).toMatchObject({ code: 'FILE_DAMAGED', message: expect.stringMatching(/was truncated \(0 bytes, it had \d+\); found before a commit and its WAL checkpoint/) });
    // No checkpoint gave the file back a size and header that would hide the damage.
    expect(fs.statSync(fx.database.file).size).toBe(0);
  });

  it('a read that SQLite answers "damaged" stops acknowledgements and raises the alert, as a failed commit would', async () => {
    t = await startTestCore({ logLevel: 'warn' });
    const log = t.core.services.log;
    for (let i = 0; i < 300; i += 1) await log.createSocketLog(bulky(i));
    await log.flush();
    const file = path.join(t.dataDir, 'switchboard.db');
    // Everything into the database file, then garbage over the first leaf page of the rows:
    // no insert reads that page (they go to the last one), a query of the oldest rows does.
    const side = new Sqlite(file);
    side.pragma('wal_checkpoint(TRUNCATE)');
    const pageSize = Number(side.pragma('page_size', { simple: true }));
    const leaf = side.prepare("SELECT pageno FROM dbstat WHERE name = 'socket_logs' AND pagetype = 'leaf' ORDER BY pageno LIMIT 1").get() as { pageno: number };
    side.close();
    const fd = fs.openSync(file, 'r+');
    fs.writeSync(fd, Buffer.alloc(pageSize, 0xa5), 0, pageSize, (leaf.pageno - 1) * pageSize);
    fs.closeSync(fd);
    // A new commit, so every connection's page cache is dropped and the next read goes to the file.
    await log.createSocketLog(bulky(300));
    expect(log.guard.fenced()).toBeNull();

    const supervisor = await tokenFor(t.core, { sub: 'sup-1', role: 'supervisor' });
    const res = await fetch(`${t.core.url}/api/v1/socket-logs/by-time-range?start_date=2020-01-01&end_date=2100-01-01&limit=1000`, { headers: { authorization: `Bearer ${supervisor}` } });
    expect(res.status).toBeGreaterThanOrEqual(500);

    expect(log.guard.fenced()).toMatchObject({ code: 'DATABASE_CORRUPT', detail: expect.stringMatching(/damaged on a read/) });
    await expect(log.createSocketLog(bulky(301))).rejects.toMatchObject({ code: 'UNAVAILABLE' });
    expect(t.core.alerts.openFor('socket-log.files')).toMatchObject({ severity: 'critical' });
  });
});
