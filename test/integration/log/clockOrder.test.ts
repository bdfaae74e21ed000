import { afterEach, describe, expect, it } from 'vitest';
import { verifyLogFile } from '../../../src/main/core/log/integrity/verify';
import { CLOCK_STEP_EVENT } from '../../../src/main/core/log/write/clockSteps';
import { openLogFixture, type LogFixture } from './helpers';

let f: LogFixture | undefined;
afterEach(async () => {
  await f?.close();
  f = undefined;
});

describe('verify flags log times that go back with no clock step recorded', () => {
  it('a writer whose clock went back an hour (as before the steady clock) fails verification, naming the row', async () => {
    f = await openLogFixture();
    const start = f.clock.now;
    await f.writer.createSocketLog({ eventType: 'device_data', socketId: 's1' });
    f.clock.now = start + 1_000;
    await f.writer.createSocketLog({ eventType: 'device_data', socketId: 's1' });
    f.clock.now = start + 1_000 - 3_600_000;
    const { id } = await f.writer.createSocketLog({ eventType: 'device_data', socketId: 's1' });
    const report = await verifyLogFile(f.database.file, f.keys.mac);
    expect(report.ok).toBe(false);
    expect(report.first_bad).toMatchObject({ table: 'socket_logs', id });
    expect(report.problems[0]).toMatch(/dated 3600000 ms before the row before it and no clock step was recorded/);
  });

  it('a recorded clock step before the earlier time passes', async () => {
    f = await openLogFixture();
    const start = f.clock.now;
    await f.writer.createSocketLog({ eventType: 'device_data', socketId: 's1' });
    f.clock.now = start - 3_600_000;
    await f.writer.createSocketLog({ eventType: CLOCK_STEP_EVENT, socketId: 'system', eventData: { direction: 'back', step_ms: -3_600_000 } });
    await f.writer.createSocketLog({ eventType: 'device_data', socketId: 's1' });
    const report = await verifyLogFile(f.database.file, f.keys.mac);
    expect(report.problems).toEqual([]);
  });
});
