import { describe, expect, it } from 'vitest';
import type { Incident, Unit } from '../../../src/shared/cad';
import { createDispatchState } from '../../../src/main/core/dispatch/dispatchState';

const at = '2024-01-27T10:00:00.000Z';
const unit = (id: string, lat: number, status: Unit['status'] = 'available'): Unit => ({
  id,
  call_sign: `Medic ${id}`,
  unit_type: null,
  status,
  location: { lat, lon: -122.33 },
  heading: 0,
  speed: 0,
  incident_id: null,
  last_report: at
});
const incident = (id: string): Incident => ({
  id,
  type: 'Fall',
  priority: 2,
  address: '1 Pike St',
  location: { lat: 47.6, lon: -122.33 },
  status: 'pending',
  assigned_units: [],
  timestamps: { call_received: at },
  destination: null,
  notes: [],
  updated_at: at
});
const meta = { epoch: 'e', seq: 1 };

describe('the dispatch picture', () => {
  it('follows an incident from call to back in service', () => {
    const s = createDispatchState();
    s.replace({ epoch: 'e', seq: 0, units: [unit('U1', 47.61), unit('U2', 47.7)], incidents: [], at });
    s.apply('incident:new', { ...meta, incident: incident('I1'), at });
    expect(s.apply('assignment:received', { ...meta, unit_id: 'U1', incident_id: 'I1', at })).toBe('applied');
    s.apply('unit:status:updated', { ...meta, unit_id: 'U1', status: 'en_route', incident_id: 'I1', at });
    s.apply('incident:timestamp:updated', { ...meta, incident_id: 'I1', name: 'en_route', unit_id: 'U1', at: '2024-01-27T10:02:00.000Z' });
    s.apply('transport:completed', { ...meta, incident_id: 'I1', unit_id: 'U1', destination: 'Harborview', epcr_id: null, at });
    s.apply('incident:status:updated', { ...meta, incident_id: 'I1', status: 'closed', at });
    const done = s.incident('I1')!;
    expect(done).toMatchObject({ status: 'closed', assigned_units: ['U1'], destination: 'Harborview' });
    expect(done.timestamps.en_route).toBe('2024-01-27T10:02:00.000Z');
    expect(s.unit('U1')).toMatchObject({ status: 'en_route', incident_id: 'I1' });
    // Closed incidents no longer give a unit access to their rooms.
    expect(s.incidentsAssignedTo('U1')).toEqual([]);
  });

  it('takes a crew off an open call when the CAD assigns it to another, and leaves a closed call its history', () => {
    const s = createDispatchState();
    s.replace({ epoch: 'e', seq: 0, units: [unit('U1', 47.61), unit('U2', 47.62)], incidents: [incident('I1'), incident('I2'), incident('I3')], at });
    s.apply('assignment:received', { ...meta, unit_id: 'U1', incident_id: 'I1', at });
    s.apply('assignment:received', { ...meta, unit_id: 'U2', incident_id: 'I1', at });
    s.apply('assignment:received', { ...meta, unit_id: 'U1', incident_id: 'I2', at: '2024-01-27T10:05:00.000Z' });
    expect(s.incident('I1')!.assigned_units).toEqual(['U2']);
    expect(s.incident('I2')!.assigned_units).toEqual(['U1']);
    expect(s.activity('I1').map((a) => a.text)).toContain('Medic U1 reassigned to I2');
    // A closed call keeps the crews that worked it.
    s.apply('incident:status:updated', { ...meta, incident_id: 'I2', status: 'closed', at });
    s.apply('assignment:received', { ...meta, unit_id: 'U1', incident_id: 'I3', at });
    expect(s.incident('I2')!.assigned_units).toEqual(['U1']);
  });

  it('says so when an event names something it has never heard of', () => {
    const s = createDispatchState();
    expect(s.apply('unit:location:updated', { ...meta, unit_id: 'ghost', location: { lat: 1, lon: 1 }, heading: null, speed: null, at })).toBe(
      'unknown_entity'
    );
  });

  it('suggests the closest available units, nearest first, and skips busy ones', () => {
    const s = createDispatchState();
    s.replace({ epoch: 'e', seq: 0, units: [unit('far', 47.7), unit('near', 47.601), unit('busy', 47.6, 'en_route')], incidents: [incident('I1')], at });
    expect(s.suggestUnits('I1', 5).map((x) => x.unit.id)).toEqual(['near', 'far']);
  });

  it('pushes one batched change per turn, including what a snapshot removed', async () => {
    const s = createDispatchState();
    const seen: Array<{ units: string[]; removed: string[] }> = [];
    s.onChange((c) => seen.push({ units: c.units.map((u) => u.id), removed: c.removedUnits }));
    s.replace({ epoch: 'e', seq: 0, units: [unit('U1', 47.6), unit('U2', 47.6)], incidents: [], at });
    for (let i = 0; i < 50; i += 1) s.apply('unit:location:updated', { ...meta, unit_id: 'U1', location: { lat: 47.6 + i / 1000, lon: -122.3 }, heading: 0, speed: 10, at });
    await new Promise((r) => setImmediate(r));
    s.replace({ epoch: 'e', seq: 60, units: [unit('U1', 47.6)], incidents: [], at });
    await new Promise((r) => setImmediate(r));
    expect(seen).toEqual([
      { units: ['U1', 'U2'], removed: [] },
      { units: ['U1'], removed: ['U2'] }
    ]);
  });

  it('hands out copies: a caller that changes a snapshot, a suggestion or a pushed change leaves the picture alone', async () => {
    const s = createDispatchState();
    const pushed: Unit[] = [];
    s.onChange((c) => pushed.push(...c.units));
    s.replace({ epoch: 'e', seq: 0, units: [unit('U1', 47.601)], incidents: [incident('I1')], at });
    await new Promise((r) => setImmediate(r));
    const snapshot = s.snapshot();
    snapshot.units[0]!.location!.lat = 0;
    snapshot.incidents[0]!.assigned_units.push('U9');
    s.suggestUnits('I1', 1)[0]!.unit.status = 'out_of_service';
    pushed[0]!.call_sign = 'changed';
    expect(s.unit('U1')).toMatchObject({ status: 'available', call_sign: 'Medic U1', location: { lat: 47.601, lon: -122.33 } });
    expect(s.incident('I1')!.assigned_units).toEqual([]);
  });
});
