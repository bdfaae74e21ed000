import { describe, expect, it } from 'vitest';
import type { Alert } from '../../../src/shared/contract/alerts';
import { foldDuplicate, mergeAlert } from '../../../src/main/core/alerts/alertMerge';

const base: Alert = {
  id: 'a1',
  key: 'vitals:P1',
  kind: 'vitals',
  severity: 'critical',
  title: 'SpO2 low',
  message: 'SpO2 88%',
  source: 'hub',
  patient_id: 'P1',
  hospital_id: null,
  data: {},
  raised_at: '2026-01-01T10:00:00.000Z',
  updated_at: '2026-01-01T10:00:00.000Z',
  deadline_at: '2026-01-01T10:02:00.000Z',
  escalated: false,
  escalated_at: null,
  cleared_at: null,
  acknowledged_at: null,
  acknowledged_by: null,
  delivered_at: null,
  displayed_at: null,
  receipts: [{ step: 'raised', by: 'hub', at: '2026-01-01T10:00:00.000Z' }]
};

describe('two nodes\' copies of one alert fold into one', () => {
  // Node B acknowledged; node A, which had not heard yet, refreshed the reading's text later.
  const ackedOnB: Alert = {
    ...base,
    updated_at: '2026-01-01T10:00:05.000Z',
    acknowledged_at: '2026-01-01T10:00:05.000Z',
    acknowledged_by: 'dana',
    receipts: [...base.receipts, { step: 'acknowledged', by: 'dana', at: '2026-01-01T10:00:05.000Z' }]
  };
  const refreshedOnA: Alert = { ...base, message: 'SpO2 86%', updated_at: '2026-01-01T10:00:07.000Z' };

  it('keeps the acknowledgement from one copy and the newer wording from the other, in either order', () => {
    const merged = mergeAlert(ackedOnB, refreshedOnA);
    expect(merged).toMatchObject({ message: 'SpO2 86%', acknowledged_by: 'dana', acknowledged_at: '2026-01-01T10:00:05.000Z' });
    expect(merged.receipts.map((r) => r.step)).toEqual(['raised', 'acknowledged']);
    expect(mergeAlert(refreshedOnA, ackedOnB)).toEqual(merged);
  });

  it('keeps the earlier of two acknowledgements and one receipt per step', () => {
    const ackedOnA: Alert = { ...base, acknowledged_at: '2026-01-01T10:00:06.000Z', acknowledged_by: 'sam', receipts: [...base.receipts, { step: 'acknowledged', by: 'sam', at: '2026-01-01T10:00:06.000Z' }] };
    const merged = mergeAlert(ackedOnA, ackedOnB);
    expect(merged).toMatchObject({ acknowledged_by: 'dana' });
    expect(merged.receipts.filter((r) => r.step === 'acknowledged')).toEqual([{ step: 'acknowledged', by: 'dana', at: '2026-01-01T10:00:05.000Z' }]);
  });

  it('never undoes a clear or an escalation', () => {
    const cleared: Alert = { ...base, cleared_at: '2026-01-01T10:01:00.000Z', receipts: [...base.receipts, { step: 'cleared', by: 'hub', at: '2026-01-01T10:01:00.000Z' }] };
    const escalated: Alert = { ...base, escalated: true, escalated_at: '2026-01-01T10:02:00.000Z', updated_at: '2026-01-01T10:02:00.000Z' };
    const merged = mergeAlert(cleared, escalated);
    expect(merged).toMatchObject({ cleared_at: '2026-01-01T10:01:00.000Z', escalated: true, escalated_at: '2026-01-01T10:02:00.000Z' });
  });
});

describe('a second open alert for the same key, raised on another node, folds into the first', () => {
  // Node B raised its own alert for the key 3 s after A's (it had not heard), and a dispatcher on B acknowledged it.
  const duplicate: Alert = {
    ...base,
    id: 'b7',
    message: 'SpO2 85%',
    source: 'node-b',
    raised_at: '2026-01-01T10:00:03.000Z',
    updated_at: '2026-01-01T10:00:04.000Z',
    deadline_at: '2026-01-01T10:02:03.000Z',
    acknowledged_at: '2026-01-01T10:00:04.000Z',
    acknowledged_by: 'dana',
    receipts: [
      { step: 'raised', by: 'node-b', at: '2026-01-01T10:00:03.000Z' },
      { step: 'acknowledged', by: 'dana', at: '2026-01-01T10:00:04.000Z' }
    ]
  };

  it("keeps the first alert's identity and raise, takes the newer wording and the acknowledgement, and the earlier deadline", () => {
    const folded = foldDuplicate(base, duplicate);
    expect(folded).toMatchObject({ id: 'a1', raised_at: base.raised_at, source: 'hub', message: 'SpO2 85%', deadline_at: base.deadline_at, acknowledged_by: 'dana', cleared_at: null });
    expect(folded.receipts.map((r) => `${r.step}:${r.by}`)).toEqual(['raised:hub', 'acknowledged:dana']);
  });

  it('keeps the wording of the first when it changed last', () => {
    const refreshedLater: Alert = { ...base, message: 'SpO2 90%', updated_at: '2026-01-01T10:00:09.000Z' };
    expect(foldDuplicate(refreshedLater, duplicate)).toMatchObject({ id: 'a1', message: 'SpO2 90%', acknowledged_by: 'dana' });
  });
});
