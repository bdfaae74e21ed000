import { afterEach, describe, expect, it } from 'vitest';
import { createAlertCenter, type AlertCenter } from '../../../src/main/core/alerts/alertCenter';
import { createEventBus } from '../../../src/main/core/contract/bus';
import { noticeText, watchCriticalAlerts, type CriticalAlertNotice } from '../../../src/main/window/criticalAlerts';

let center: AlertCenter | undefined;
afterEach(() => center?.close());

function setup() {
  const bus = createEventBus();
  center = createAlertCenter({ bus, escalateAfterSeconds: 60 });
  const notices: CriticalAlertNotice[] = [];
  const stop = watchCriticalAlerts(bus, (notice) => notices.push(notice));
  return { center, notices, stop, reasons: () => notices.map((n) => `${n.reason}:${n.alert.key}`) };
}

const base = { kind: 'vitals' as const, title: 'SpO2 low', message: 'Patient p1 SpO2 86%.', source: 'test' };

describe('native notifications for critical alerts (the hook)', () => {
  it('fires once for a new critical alert, not for warnings or refreshes', () => {
    const { center, reasons } = setup();
    center.raise({ ...base, key: 'a', severity: 'warning' });
    center.raise({ ...base, key: 'b', severity: 'critical' });
    center.raise({ ...base, key: 'b', severity: 'critical', message: 'Patient p1 SpO2 84%.' });
    expect(reasons()).toEqual(['raised:b']);
  });

  it('fires when an open warning turns critical, and again when it escalates unacknowledged', () => {
    const { center, reasons } = setup();
    const alert = center.raise({ ...base, key: 'a', severity: 'warning' });
    center.raise({ ...base, key: 'a', severity: 'critical' });
    const critical = center.raise({ ...base, key: 'c', severity: 'critical' });
    center.acknowledge(alert.id, 'dana');
    center.escalateOverdue(new Date(Date.now() + 61_000));
    expect(reasons()).toEqual(['became-critical:a', 'raised:c', 'escalated:c']);
    expect(alert.id).not.toBe(critical.id);
  });

  it('stays quiet for acknowledged or cleared alerts, and after unsubscribing', () => {
    const { center, reasons, stop } = setup();
    const acked = center.raise({ ...base, key: 'a', severity: 'critical' });
    center.acknowledge(acked.id, 'dana');
    center.escalateOverdue(new Date(Date.now() + 61_000));
    center.clear('a');
    stop();
    center.raise({ ...base, key: 'z', severity: 'critical' });
    expect(reasons()).toEqual(['raised:a']);
  });

  it('words the toast plainly and clips long messages', () => {
    const { center, notices } = setup();
    center.raise({ ...base, key: 'long', severity: 'critical', message: 'x'.repeat(1000) });
    const text = noticeText(notices[0]!);
    expect(text.title).toBe('SpO2 low');
    expect(text.body.length).toBe(240);
    expect(noticeText({ ...notices[0]!, reason: 'escalated' }).title).toBe('ESCALATED: SpO2 low');
  });
});
