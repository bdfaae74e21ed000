import { afterEach, describe, expect, it } from 'vitest';
import { startTestCore, tempDir, type TestCore } from '../../helpers/core';
import { waitFor } from '../../helpers/waitFor';

/**
 * Alerts outlive the process: a critical alert nobody acknowledged before a
 * restart is still open after it, with its receipt trail, can be acknowledged,
 * and escalates on time even though the timer that watched it died.
 */

const dispatcher = { operator: { username: 'dana', role: 'dispatcher' as const }, transport: 'socket' as const };
const running: TestCore[] = [];
afterEach(async () => {
  for (const c of running.splice(0)) await c.close();
});

async function start(dataDir: string, escalateSeconds: number) {
  const core = await startTestCore({ dataDir, hub: { alertEscalateSeconds: escalateSeconds } });
  running.push(core);
  return core;
}

async function stop(core: TestCore) {
  running.splice(running.indexOf(core), 1);
  await core.close();
}

const critical = { key: 'vitals:P-1:spo2', kind: 'vitals' as const, severity: 'critical' as const, title: 'SpO2 82%', message: 'Patient P-1 desaturating', source: 'monitor-7' };

describe('durable alerts', () => {
  it('keeps open alerts, receipts and acknowledgements across a restart; the kept critical alert can still be acknowledged', async () => {
    const dataDir = tempDir('switchboard-alerts-');
    const first = await start(dataDir, 600);
    const open = first.core.alerts.raise(critical);
    first.core.alerts.markDelivered(open.id, 'dana');
    const warning = first.core.alerts.raise({ ...critical, key: 'hospital:H-1', kind: 'hospital', severity: 'warning', title: 'Diversion' });
    const acked = await first.core.api.call('alerts.acknowledge', { id: warning.id }, dispatcher);
    expect(acked.ok).toBe(true);
    const cleared = first.core.alerts.raise({ ...critical, key: 'device:D-9', kind: 'device_stale', severity: 'info', title: 'Stale' });
    first.core.alerts.clear(cleared.key, 'system');
    const before = await first.core.api.call('alerts.list', { includeResolved: true, limit: 100 }, dispatcher);
    await stop(first);

    const second = await start(dataDir, 600);
    const after = await second.core.api.call('alerts.list', { includeResolved: true, limit: 100 }, dispatcher);
    expect(after).toEqual(before);
    const kept = second.core.alerts.get(open.id)!;
    expect(kept.acknowledged_at).toBeNull();
    expect(kept.receipts.map((r) => [r.step, r.by])).toEqual([
      ['raised', 'monitor-7'],
      ['delivered', 'dana']
    ]);
    // The same condition raised again after the restart updates the kept alert, it does not open a second one.
    const again = second.core.alerts.raise({ ...critical, message: 'still desaturating' });
    expect(again.id).toBe(open.id);

    const ack = await second.core.api.call('alerts.acknowledge', { id: open.id }, dispatcher);
    expect(ack.ok && ack.value.acknowledged_by).toBe('dana');
    await stop(second);

    const third = await start(dataDir, 600);
    expect(third.core.alerts.get(open.id)?.acknowledged_by).toBe('dana');
  });

  it('resumes escalation: a critical alert whose deadline passed while the core was down escalates after the restart', async () => {
    const dataDir = tempDir('switchboard-alerts-');
    const first = await start(dataDir, 1);
    const alert = first.core.alerts.raise(critical);
    await stop(first);
    await waitFor('the stored escalation deadline to pass while the core is down', () => Date.now() > Date.parse(alert.deadline_at!));

    const second = await start(dataDir, 1);
    const escalated = await waitFor('the kept alert to escalate', () => (second.core.alerts.get(alert.id)?.escalated ? second.core.alerts.get(alert.id) : null));
    expect(escalated.escalated).toBe(true);
    expect(escalated.receipts.map((r) => r.step)).toEqual(['raised', 'escalated']);
  });
});
