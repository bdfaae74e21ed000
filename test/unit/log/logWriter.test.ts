import pino from 'pino';
import { describe, expect, it } from 'vitest';
import type { AppendResult, CommitOp, LogStorage } from '../../../src/main/core/log/storage/LogStorage';
import { createLogWriter } from '../../../src/main/core/log/write/writer';

/**
 * The writer against the storage seam alone: any LogStorage (SQLite today, PostgreSQL
 * later) gets batches and answers them, and the writer acknowledges each caller only
 * from that answer. A storage kept in memory here, so the test controls when a batch
 * becomes "durable".
 */
function controlledStorage() {
  const appended: Array<{ ops: readonly CommitOp[]; answer(r: AppendResult): void; fail(e: Error): void }> = [];
  let arrived: (() => void) | null = null;
  let maxInFlight = 1;
  let inFlight = 0;
  const storage: Pick<LogStorage, 'append' | 'acceptsBatch' | 'committing' | 'totalRows'> = {
    append: (ops) =>
      new Promise<AppendResult>((resolve, reject) => {
        inFlight += 1;
        const done = () => (inFlight -= 1);
        appended.push({ ops, answer: (r) => (done(), resolve(r)), fail: (e) => (done(), reject(e)) });
        arrived?.();
      }),
    acceptsBatch: () => inFlight < maxInFlight,
    committing: () => 'inline',
    totalRows: () => 0
  };
  const nextBatch = async (n: number) => {
    while (appended.length < n) await new Promise<void>((resolve) => (arrived = resolve));
    return appended[n - 1]!;
  };
  return { storage, appended, nextBatch, setMaxInFlight: (n: number) => (maxInFlight = n) };
}

const entry = (i: number, clientEventId?: string) => ({ eventType: 'update_location', socketId: `s${i}`, userId: 'crew-1', userRole: 'crew', clientEventId });
const scrubber = { scrub: (s: string) => s };

describe('the log writer on the storage seam', () => {
  it('acknowledges nobody before the storage says the batch is durable, then answers each from its outcome', async () => {
    const { storage, nextBatch } = controlledStorage();
    const writer = createLogWriter({ storage, scrubber, logger: pino({ level: 'silent' }) });
    const settled: string[] = [];
    const calls = [writer.createSocketLog(entry(1, 'e-1')), writer.createSocketLog(entry(2, 'e-1')), writer.updateSocketLog(99, { status: 'success' })];
    calls.forEach((c, i) => void c.then(() => settled.push(`ok ${i}`), () => settled.push(`refused ${i}`)));

    const batch = await nextBatch(1);
    expect(batch.ops.map((op) => op.kind)).toEqual(['insert', 'insert', 'update']);
    expect(batch.ops[0]).toMatchObject({ clientEvent: { owner: 'crew:crew-1', eventId: 'e-1' } });
    await Promise.resolve();
    expect(settled).toEqual([]);

    batch.answer({ result: { outcomes: [7, { duplicateOf: 7, createdAt: 0 }, { code: 'NOT_FOUND', message: 'No row 99.' }], totalRows: 1 }, commitMs: 1 });
    await expect(calls[0]).resolves.toMatchObject({ id: 7 });
    await expect(calls[1]).resolves.toMatchObject({ id: 7, duplicate: true });
    await expect(calls[2]).rejects.toMatchObject({ code: 'NOT_FOUND' });
    expect(writer.stats()).toMatchObject({ insertedRows: 1, totalRows: 1, batches: 1 });
    await writer.close();
  });

  it('holds the next batch while the storage takes no more, and tells callers of a failed commit it was not recorded', async () => {
    const { storage, nextBatch, appended } = controlledStorage();
    const writer = createLogWriter({ storage, scrubber, logger: pino({ level: 'silent' }) });
    const first = writer.createSocketLog(entry(1));
    const firstBatch = await nextBatch(1);
    const second = writer.createSocketLog(entry(2));
    // One event-loop turn: the writer's scheduled batch run has happened (setImmediate runs in order).
    await new Promise<void>((resolve) => setImmediate(resolve));
    const third = writer.createSocketLog(entry(3));
    expect(appended).toHaveLength(1);

    firstBatch.fail(Object.assign(new Error('disk I/O error'), { stage: 'commit' as const }));
    await expect(first).rejects.toMatchObject({ code: 'UNAVAILABLE', message: expect.stringContaining('it was not recorded') });
    const secondBatch = await nextBatch(2);
    // Held while the first was in flight, so the entries queued meanwhile travel together.
    expect(secondBatch.ops.map((op) => op.kind === 'insert' && op.row.socket_id)).toEqual(['s2', 's3']);
    secondBatch.fail(Object.assign(new Error('sync failed'), { stage: 'sync' as const }));
    await expect(second).rejects.toMatchObject({ code: 'UNAVAILABLE', message: expect.stringContaining('may not have been recorded') });
    await expect(third).rejects.toMatchObject({ code: 'UNAVAILABLE' });
    await writer.close();
  });
});
