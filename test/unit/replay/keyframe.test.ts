import { describe, expect, it } from 'vitest';
import type { Unit } from '../../../src/shared/cad';
import { MAX_DATA_CHARS } from '../../../src/main/core/log/write/normalize';
import { joinKeyframe, keyframeEntries, keyframeParts, type KeyframePart, type KeyframePicture } from '../../../src/main/core/replay/keyframe';

const unit = (i: number): Unit => ({ id: `U-${i}`, call_sign: `Medic ${i}`, unit_type: 'ALS', status: 'available', location: { lat: 47.6, lon: -122.3 }, heading: 0, speed: 0, incident_id: null, last_report: '2026-12-06T10:00:00.000Z' });

const picture = (units: number): KeyframePicture => ({
  at: '2026-12-06T10:00:00.000Z',
  reason: 'periodic',
  cad: { epoch: 'e1', seq: 42 },
  synced_at: null,
  cad_link: 'up',
  metrics: { calls_today: 7 },
  units: Array.from({ length: units }, (_, i) => unit(i)),
  incidents: [],
  alerts: [],
  connections: [],
  crew_positions: [],
  crew_units: { 'mdt-1': 'U-1' }
});

describe('keyframes', () => {
  it('split a picture of 2,000 units into parts that each fit a log field, and join back to the same picture', () => {
    const whole = picture(2000);
    const entries = keyframeEntries(whole);
    expect(entries.length).toBeGreaterThan(1);
    for (const e of entries) expect(JSON.stringify(e.eventData).length).toBeLessThan(MAX_DATA_CHARS);
    expect(joinKeyframe(entries.map((e) => e.eventData as KeyframePart))).toEqual(whole);
  });

  it('refuse to join a keyframe with a part missing (the seek then falls back to an earlier one)', () => {
    const parts = keyframeParts(picture(2000));
    expect(joinKeyframe(parts.slice(1))).toBeNull();
    expect(joinKeyframe([parts[0]!, ...keyframeParts(picture(2000)).slice(1)])).toBeNull();
  });

  it('keep a small picture in one part', () => {
    expect(keyframeParts(picture(3))).toHaveLength(1);
  });
});
