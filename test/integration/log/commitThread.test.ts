import Sqlite from 'better-sqlite3';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { startCommitThread } from '../../../src/main/core/log/write/commitThread';
import { rebuildCounters } from '../../../src/main/core/log/read/statistics';
import { verifyLogFile } from '../../../src/main/core/log/integrity/verify';
import { createGroupCommitWriter, type GroupCommitWriter } from '../../../src/main/core/log/write/writer';
import { createSecretScrubber } from '../../../src/main/core/logger';
import { countersSnapshot, entry, openLogFixture, type LogFixture } from './helpers';
import { waitFor } from '../../helpers/waitFor';

let fx: LogFixture | undefined;
let writer: GroupCommitWriter | undefined;
afterEach(async () => {
  await writer?.close();
  writer = undefined;
  await fx?.close();
  fx = undefined;
});

const silent = pino({ level: 'silent' });
const until = (check: () => boolean) => waitFor('the commit thread', check);
const counters = (f: LogFixture) => countersSnapshot(f.database, Date.now() + 3_600_000);

describe('group commits on the commit thread', () => {
  it('commits inserts, updates and access records on its own connection, chained and counted exactly', async () => {
    fx = await openLogFixture();
    writer = createGroupCommitWriter({ database: fx.database, keys: fx.keys, scrubber: createSecretScrubber([]), logger: silent, commitOn: 'thread' });
    await until(() => writer!.stats().committing === 'thread');

    const acks = await Promise.all(Array.from({ length: 400 }, (_, i) => writer!.createSocketLog(entry({ eventData: { i } }))));
    expect(acks.map((a) => a.id)).toEqual(Array.from({ length: 400 }, (_, i) => i + 1));
    await writer.updateSocketLog(7, { status: 'failed', errorMessage: 'no hospital', responseTimeMs: 900 });
    await expect(writer.updateSocketLog(10_000, { status: 'success' })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    expect(await writer.recordAccess({ actor: 'sup-1', actorRole: 'supervisor', channel: 'rest', query: 'list', params: { limit: 5 }, rowCount: 5 })).toEqual({ id: 1 });
    // A bad entry is still refused on its own, before it reaches the thread.
    await expect(writer.createSocketLog(entry({ eventType: 'not a type!' }))).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });

    // Acked means committed: the main connection and a third one see every record.
    const other = new Sqlite(fx.database.file, { readonly: true });
    expect(other.prepare('SELECT count(*) AS n FROM socket_logs').get()).toEqual({ n: 400 });
    expect(other.prepare('SELECT status, version FROM socket_logs WHERE id = 7').get()).toEqual({ status: 'failed', version: 1 });
    other.close();
    expect(writer.stats()).toMatchObject({ insertedRows: 400, totalRows: 400, committing: 'thread' });
    const incremental = await counters(fx);
    expect(incremental).toEqual(['update_location/failed/patient=1/900/1', 'update_location/pending/patient=399/0/0']);
    await rebuildCounters(fx.database.db);
    expect(await counters(fx)).toEqual(incremental);
    expect((await verifyLogFile(fx.database.file, fx.keys.mac)).ok).toBe(true);
  });

  it('interleaves with writes on the main connection without forking a chain', async () => {
    fx = await openLogFixture();
    writer = createGroupCommitWriter({ database: fx.database, keys: fx.keys, scrubber: createSecretScrubber([]), logger: silent, commitOn: 'thread' });
    await until(() => writer!.stats().committing === 'thread');
    // fx.writer commits inline on the main connection, writer on the thread: one chain, ids in commit order.
    const mixed = await Promise.all(Array.from({ length: 200 }, (_, i) => (i % 2 ? writer! : fx!.writer).createSocketLog(entry({ eventData: { i } }))));
    expect(new Set(mixed.map((a) => a.id)).size).toBe(200);
    expect(Math.max(...mixed.map((a) => a.id))).toBe(200);
    expect((await verifyLogFile(fx.database.file, fx.keys.mac)).ok).toBe(true);
  });

  it('commits inline when the thread cannot start', async () => {
    fx = await openLogFixture();
    const thread = startCommitThread({ file: fx.database.file, key: fx.keys.mac, logger: silent, source: { source: `throw new Error('no worker here')`, eval: true } });
    writer = createGroupCommitWriter({ database: fx.database, keys: fx.keys, scrubber: createSecretScrubber([]), logger: silent, thread });
    await until(() => !thread.usable());
    expect((await writer.createSocketLog(entry())).id).toBe(1);
    expect(writer.stats().committing).toBe('inline');
  });

  it('fails the batches a dying thread held as "may not have been recorded", then commits inline', async () => {
    fx = await openLogFixture();
    // A thread that starts, then exits with the first batch unanswered.
    const dying = `const { parentPort } = require('node:worker_threads');
parentPort.on('message', () => process.exit(3));
parentPort.postMessage({ type: 'ready' });`;
    const thread = startCommitThread({ file: fx.database.file, key: fx.keys.mac, logger: silent, source: { source: dying, eval: true } });
    writer = createGroupCommitWriter({ database: fx.database, keys: fx.keys, scrubber: createSecretScrubber([]), logger: silent, thread });
    await until(() => thread.ready());
    const lost = writer.createSocketLog(entry());
    await expect(lost).rejects.toMatchObject({ code: 'UNAVAILABLE', message: expect.stringContaining('may not have been recorded') });
    expect(thread.usable()).toBe(false);
    expect((await writer.createSocketLog(entry())).id).toBe(1);
    expect((await verifyLogFile(fx.database.file, fx.keys.mac)).ok).toBe(true);
  });
});
