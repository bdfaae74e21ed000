import { describe, expect, it } from 'vitest';
import type { Incident, Unit } from '../../../src/shared/cad';
import { createDispatchState } from '../../../src/main/core/dispatch/dispatchState';
import { defaultRunCards, indexRunCards, runCardMatch } from '../../../src/main/core/dispatch/runCards';

const at = '2026-01-01T10:00:00.000Z';
const unit = (id: string, type: string | null, lat: number): Unit => ({ id, call_sign: id, unit_type: type, status: 'available', location: { lat, lon: -122.33 }, heading: 0, speed: 0, incident_id: null, last_report: at });
const incident = (id: string, type: string): Incident => ({ id, type, priority: 2, address: 'x', location: { lat: 47.6, lon: -122.33 }, status: 'pending', assigned_units: [], timestamps: { call_received: at }, destination: null, notes: [], updated_at: at });

describe('run cards', () => {
  it('match unit types to incident types, ignoring case and punctuation', () => {
    expect(runCardMatch(defaultRunCards('Chest Pain'), 'ALS')).toEqual({ match: 'preferred', rank: 0 });
    expect(runCardMatch(defaultRunCards('chest_pain'), 'bls')).toEqual({ match: 'acceptable', rank: 1 });
    expect(runCardMatch(defaultRunCards('Fall'), 'BLS').match).toBe('preferred');
    expect(runCardMatch(defaultRunCards('Fall'), 'Supervisor').match).toBe('not_on_card');
    expect(runCardMatch(defaultRunCards('Fall'), null).match).toBe('acceptable');
  });

  it('take the card for the incident type at its priority first, then the type at any priority, then the default card', () => {
    const lookup = indexRunCards({
      cards: [
        { incident_type: 'Fall', priority: null, unit_types: ['BLS'] },
        { incident_type: 'fall', priority: 1, unit_types: ['ALS', 'BLS'] }
      ],
      default_card: ['BLS', 'ALS']
    });
    expect(lookup('FALL', 1)).toEqual(['ALS', 'BLS']);
    expect(lookup('fall', 3)).toEqual(['BLS']);
    expect(lookup('fall')).toEqual(['BLS']);
    expect(lookup('Chest pain', 1)).toEqual(['BLS', 'ALS']);
  });

  it('rank the suggestions: the run card first, then the nearest', () => {
    const state = createDispatchState();
    state.replace({ epoch: 'e', seq: 1, at, units: [unit('bls-near', 'BLS', 47.601), unit('als-far', 'ALS', 47.65), unit('als-mid', 'ALS', 47.62)], incidents: [incident('I1', 'Chest Pain'), incident('I2', 'Fall')] });
    expect(state.suggestUnits('I1', 3).map((s) => [s.unit.id, s.run_card])).toEqual([
      ['als-mid', 'preferred'],
      ['als-far', 'preferred'],
      ['bls-near', 'acceptable']
    ]);
    expect(state.suggestUnits('I2', 1).map((s) => s.unit.id)).toEqual(['bls-near']);
  });

  it('keep an activity log per incident from the CAD events', () => {
    const state = createDispatchState();
    state.replace({ epoch: 'e', seq: 1, at, units: [unit('U1', 'ALS', 47.61)], incidents: [incident('I1', 'Fall')] });
    state.apply('assignment:received', { epoch: 'e', seq: 2, unit_id: 'U1', incident_id: 'I1', at: '2026-01-01T10:01:00.000Z' });
    state.apply('incident:status:updated', { epoch: 'e', seq: 3, incident_id: 'I1', status: 'dispatched', at: '2026-01-01T10:01:00.000Z' });
    state.apply('incident:note:added', { epoch: 'e', seq: 4, incident_id: 'I1', note: { id: 'N1', text: 'Gate code 1234', author: 'dana', at: '2026-01-01T10:02:00.000Z' }, at: '2026-01-01T10:02:00.000Z' });
    expect(state.activity('I1').map((a) => [a.kind, a.text, a.by])).toEqual([
      ['created', 'Call received: P2 Fall, x', null],
      ['assigned', 'U1 assigned', null],
      ['status', 'Status dispatched', null],
      ['note', 'Gate code 1234', 'dana']
    ]);
    expect(state.incident('I1')!.notes).toHaveLength(1);
  });
});
