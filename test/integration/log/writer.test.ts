import Sqlite from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { rebuildCounters } from '../../../src/main/core/log/read/statistics';
import { verifyLogFile } from '../../../src/main/core/log/integrity/verify';
import { countersSnapshot, entry, openLogFixture, type LogFixture } from './helpers';
import { waitFor } from '../../helpers/waitFor';

let fx: LogFixture | undefined;
afterEach(async () => {
  await fx?.close();
  fx = undefined;
});

const counters = (f: LogFixture) => countersSnapshot(f.database, f.clock.now + 3_600_000);

describe('the group-commit writer', () => {
  it('commits everything queued in one event-loop turn in one transaction and acks after commit', async () => {
    fx = await openLogFixture();
    const before = fx.writer.stats().batches;
    const acks = await Promise.all(Array.from({ length: 500 }, (_, i) => fx!.writer.createSocketLog(entry({ eventData: { i } }))));
    expect(fx.writer.stats().batches - before).toBe(1);
    expect(acks.map((a) => a.id)).toEqual(Array.from({ length: 500 }, (_, i) => i + 1));
    // Acked means durable: a second connection (another reader) sees every row.
    const other = new Sqlite(fx.database.file, { readonly: true });
    const seen = other.prepare('SELECT count(*) AS n FROM socket_logs').get() as { n: number };
    other.close();
    expect(seen.n).toBe(500);
    expect(typeof acks[0]!.createdAt).toBe('string');
  });

  it('refuses a bad entry on its own without failing the rest of the batch', async () => {
    fx = await openLogFixture();
    const results = await Promise.allSettled([
      fx.writer.createSocketLog(entry()),
      fx.writer.createSocketLog(entry({ eventType: 'not a type!' })),
      fx.writer.createSocketLog(entry({ patientLatitude: 123 })),
      fx.writer.createSocketLog(entry({ status: 'weird' as never })),
      fx.writer.createSocketLog(entry())
    ]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'rejected', 'rejected', 'fulfilled']);
    const rejected = results[1] as PromiseRejectedResult;
    expect(rejected.reason).toMatchObject({ code: 'VALIDATION_FAILED' });
    await expect(fx.writer.updateSocketLog(999, { status: 'success' })).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });

  it('updates a row as an appended, chained record and keeps the counters exact', async () => {
    fx = await openLogFixture();
    const { id } = await fx.writer.createSocketLog(entry({ eventType: 'ambulance_request' }));
    fx.clock.now += 1500;
    await fx.writer.updateSocketLog(id, { status: 'success', hospitalId: 'H1', hospitalName: 'General', distanceKm: 2.37, responseTimeMs: 1500 });
    await fx.writer.updateSocketLog(id, { responseData: { accepted: true } });
    const row = fx.database.sqlite.prepare('SELECT * FROM socket_logs WHERE id = ?').get(id) as Record<string, unknown>;
    expect(row).toMatchObject({ status: 'success', hospital_id: 'H1', distance_km: 2.37, response_time_ms: 1500, processed: 1, version: 2 });
    expect(row.processed_at).toBe(fx.clock.now);
    const updates = fx.database.sqlite.prepare('SELECT log_id, version FROM socket_log_updates ORDER BY id').all();
    expect(updates).toEqual([
      { log_id: id, version: 1 },
      { log_id: id, version: 2 }
    ]);
    const incremental = await counters(fx);
    expect(incremental).toEqual(['ambulance_request/success/patient=1/1500/1']);
    await rebuildCounters(fx.database.db);
    expect(await counters(fx)).toEqual(incremental);
    expect((await verifyLogFile(fx.database.file, fx.keys.mac)).ok).toBe(true);
  });

  it('splits a very large burst into bounded transactions, all acked', async () => {
    fx = await openLogFixture();
    const before = fx.writer.stats().batches;
    const acks = await Promise.all(Array.from({ length: 12_000 }, () => fx!.writer.createSocketLog(entry())));
    expect(new Set(acks.map((a) => a.id)).size).toBe(12_000);
    expect(fx.writer.stats().batches - before).toBe(3);
    await fx.writer.flush();
    expect(fx.writer.stats().totalRows).toBe(12_000);
  });

  it('refuses writes after close', async () => {
    fx = await openLogFixture();
    await fx.writer.close();
    await expect(fx.writer.createSocketLog(entry())).rejects.toMatchObject({ code: 'UNAVAILABLE' });
  });
});

describe('durability before acknowledgement', () => {
  it('acks a committed row only after the WAL sync returns, and fails the ack if the sync fails', async () => {
    const { createWalSync } = await import('../../../src/main/core/db/walSync');
    const pino = (await import('pino')).default;
    const { createGroupCommitWriter } = await import('../../../src/main/core/log/write/writer');
    const { createSecretScrubber } = await import('../../../src/main/core/logger');
    fx = await openLogFixture();
    const syncs: Array<(err: NodeJS.ErrnoException | null) => void> = [];
    const walSync = createWalSync(`${fx.database.file}-wal`, { logger: { error: () => undefined }, fdatasync: (_fd, done) => void syncs.push(done) });
    const writer = createGroupCommitWriter({ database: fx.database, keys: fx.keys, scrubber: createSecretScrubber([]), logger: pino({ level: 'silent' }), walSync });
    let acked = false;
    const ack = writer.createSocketLog(entry()).then((r) => ((acked = true), r));
    await waitFor('the first commit to ask for its WAL sync', () => syncs.length >= 1);
    // Committed (another connection sees it) but not yet acknowledged: the sync is still out.
    const other = new Sqlite(fx.database.file, { readonly: true });
    expect((other.prepare('SELECT count(*) AS n FROM socket_logs').get() as { n: number }).n).toBe(1);
    other.close();
    expect(acked).toBe(false);
    syncs[0]!(null);
    expect((await ack).id).toBe(1);

    const failed = writer.createSocketLog(entry());
    await waitFor('the second commit to ask for its WAL sync', () => syncs.length >= 2);
    syncs[1]!(Object.assign(new Error('EIO'), { code: 'EIO' }));
    await expect(failed).rejects.toMatchObject({ code: 'UNAVAILABLE' });
    await writer.close();
  });
});
