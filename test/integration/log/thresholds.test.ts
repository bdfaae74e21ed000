import { afterEach, describe, expect, it } from 'vitest';
import { startTestCore, type TestCore } from '../../helpers/core';

let t: TestCore | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

const openKeys = (core: TestCore['core']) => core.alerts.list().filter((a) => a.kind === 'log_threshold').map((a) => a.key).sort();

describe('threshold alerts', () => {
  it('raises log_threshold alerts when the seed thresholds are crossed and clears them when they are not', async () => {
    t = await startTestCore({ log: { thresholds: { minSample: 4, failedConnectionBurst: 3, windowMinutes: 5 }, evaluateIntervalMs: 3_600_000 } });
    const log = t.core.services.log;
    for (let i = 0; i < 5; i += 1) {
      const { id } = await log.createSocketLog({ eventType: 'ambulance_request', socketId: `s${i}`, userRole: 'patient' });
      await log.updateSocketLog(id, { status: 'failed', responseTimeMs: 45_000, errorMessage: 'no hospital answered' });
    }
    await log.createSocketLog({ eventType: 'hospital_response', socketId: 'h', userRole: 'hospital', status: 'success' });
    for (let i = 0; i < 3; i += 1) await log.createSocketLog({ eventType: 'connect', socketId: `x${i}`, status: 'failed', errorMessage: 'Token signature is invalid' });
    await log.evaluateThresholds();
    expect(openKeys(t.core)).toEqual([
      'log_threshold:error_rate',
      'log_threshold:failed_connections',
      'log_threshold:response_rate',
      'log_threshold:response_time'
    ]);
    const rate = t.core.alerts.list().find((a) => a.key === 'log_threshold:response_rate')!;
    expect(rate).toMatchObject({ severity: 'warning', source: 'socket-log', data: { response_rate: 20, requests: 5, responses: 1 } });

    // An admin relaxes the thresholds through the console; the next evaluation clears what no longer applies.
    const changed = await t.core.api.call(
      'log.setThresholds',
      { minResponseRatePercent: 10, maxAvgResponseTimeMs: 60_000, maxErrorRatePercent: 90, failedConnectionBurst: 50 },
      { operator: { username: 'ada', role: 'admin' }, transport: 'socket' }
    );
    expect(changed).toMatchObject({ ok: true, value: { minResponseRatePercent: 10 } });
    expect(
      await t.core.api.call('log.setThresholds', { minResponseRatePercent: 10 }, { operator: { username: 'sam', role: 'supervisor' }, transport: 'socket' })
    ).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
    await log.evaluateThresholds();
    expect(openKeys(t.core)).toEqual([]);
  });

  it('pushes log.stats with the write rate, row count and database size', async () => {
    t = await startTestCore({ log: { statsIntervalMs: 100 } });
    await Promise.all(Array.from({ length: 50 }, (_, i) => t!.core.services.log.createSocketLog({ eventType: 'update_location', socketId: `d${i}` })));
    const stats = await new Promise<Record<string, number>>((resolve) => {
      const off = t!.core.bus.on('log.stats', (p) => {
        if (p.total_rows >= 50) {
          off();
          resolve(p as unknown as Record<string, number>);
        }
      });
    });
    // Physical rows: the 50 written here, plus the flight recorder's keyframe of the picture at start
    // (a few rows, chained like every other) if it has committed by then.
    expect(stats.total_rows).toBeGreaterThanOrEqual(50);
    expect(stats.total_rows).toBeLessThan(60);
    expect(stats.db_size_bytes).toBeGreaterThan(0);
    expect(stats.write_rate).toBeGreaterThanOrEqual(0);
  });
});
