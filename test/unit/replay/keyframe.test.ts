import { describe, expect, it } from 'vitest';
import type { Unit } from '../../../src/shared/cad';
import { MAX_DATA_CHARS } from '../../../src/main/core/log/write/normalize';
import { joinKeyframe, keyframeEntries, keyframePartsOf, keyframePartsSync, type KeyframePart, type KeyframePicture } from '../../../src/main/core/replay/keyframe';

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

/** Units whose positions differ, so the deflated picture does not shrink to almost nothing. */
const scattered = (units: number): KeyframePicture => {
  const p = picture(units);
  p.units.forEach((u, i) => (u.location = { lat: 47 + Math.sin(i) * 0.5, lon: -122 + Math.cos(i * 7) * 0.5 }));
  return p;
};

describe('keyframes', () => {
  it('store a picture of 2,000 units deflated in parts that each fit a log field, and join back to the same picture', async () => {
    const whole = scattered(2000);
    const parts = await keyframePartsOf(whole, JSON.stringify(whole));
    const entries = keyframeEntries(parts);
    for (const e of entries) expect(JSON.stringify(e.eventData).length).toBeLessThan(MAX_DATA_CHARS);
    // Much smaller than the picture's JSON: a keyframe a minute must not dwarf the log.
    expect(entries.reduce((n, e) => n + JSON.stringify(e.eventData).length, 0)).toBeLessThan(JSON.stringify(whole).length / 3);
    expect(joinKeyframe(entries.map((e) => e.eventData as KeyframePart))).toEqual(whole);
    expect(parts[0]).toMatchObject({ at: whole.at, reason: 'periodic', cad: whole.cad });
  });

  it('split a picture too large for one field over several parts, and refuse to join one with a part missing or from another keyframe', () => {
    const big = scattered(2000);
    big.incidents = Array.from({ length: 3000 }, (_, i) => ({ id: `INC-${i}`, type: 'fall', priority: 2, address: `${i * 7919} Random Ave ${Math.random()}`, location: { lat: Math.random(), lon: Math.random() }, status: 'pending', assigned_units: [], timestamps: { call_received: new Date(i * 1000).toISOString() }, destination: null, notes: [], updated_at: new Date(i * 999).toISOString() }));
    const parts = keyframePartsSync(big);
    expect(parts.length).toBeGreaterThan(1);
    expect(joinKeyframe(parts)).toEqual(big);
    expect(joinKeyframe(parts.slice(1))).toBeNull();
    expect(joinKeyframe([parts[0]!, ...keyframePartsSync(big).slice(1)])).toBeNull();
  });

  it('refuse a part whose deflated data was damaged (the seek then falls back to an earlier keyframe)', () => {
    const [part] = keyframePartsSync(picture(3));
    expect(joinKeyframe([{ ...part!, z: part!.z!.slice(0, 20) }])).toBeNull();
  });

  it('keep a small picture in one part', () => {
    expect(keyframePartsSync(picture(3))).toHaveLength(1);
  });

  it('still read keyframes written before pictures were deflated (lists in clear)', () => {
    const legacy: KeyframePart = { at: '2026-12-06T10:00:00.000Z', reason: 'start', cad: null, synced_at: null, cad_link: 'up', kf: 'k', part: 0, parts: 1, metrics: {}, crew_units: {}, lists: { units: [unit(1)] } };
    expect(joinKeyframe([legacy])?.units).toEqual([unit(1)]);
  });
});
