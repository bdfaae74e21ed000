import { afterEach, describe, expect, it } from 'vitest';
import type { Incident, Unit } from '../../../src/shared/cad';
import type { RunCardTable } from '../../../src/shared/contract/runCards';
import { startTestCore, type TestCore } from '../../helpers/core';

let t: TestCore | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

const at = '2026-01-01T10:00:00.000Z';
const unit = (id: string, type: string, lat: number): Unit => ({ id, call_sign: id, unit_type: type, status: 'available', location: { lat, lon: -122.33 }, heading: 0, speed: 0, incident_id: null, last_report: at });
const incident = (id: string, type: string, priority: number): Incident => ({ id, type, priority, address: '1 Main St', location: { lat: 47.6, lon: -122.33 }, status: 'pending', assigned_units: [], timestamps: { call_received: at }, destination: null, notes: [], updated_at: at });

const dispatcher = { operator: { username: 'dana', role: 'dispatcher' as const }, transport: 'socket' as const };
const supervisor = { operator: { username: 'sam', role: 'supervisor' as const }, transport: 'socket' as const };

describe('run cards as a centre setting', () => {
  it('a supervisor changes which unit types a call gets; the next suggestion uses it, the change is logged and survives a restart', async () => {
    t = await startTestCore();
    const { core } = t;
    core.services.dispatch.replace({
      epoch: 'e',
      seq: 1,
      at,
      units: [unit('bls-near', 'BLS', 47.601), unit('als-far', 'ALS', 47.65), unit('mrt-mid', 'MRT', 47.62)],
      incidents: [incident('I1', 'Fall', 1), incident('I2', 'Fall', 4)]
    });
    const suggested = async (id: string) => {
      const r = await core.api.call('dispatch.suggestUnits', { incident_id: id, limit: 3 }, dispatcher);
      if (!r.ok) throw new Error(r.error.message);
      return r.value.map((s) => `${s.unit.id}:${s.run_card}`);
    };

    // The starting table: a fall wants BLS first, then ALS; the MRT unit is not on the card.
    expect(await core.api.call('dispatch.runCards', {}, dispatcher)).toMatchObject({ ok: true, value: { updated_by: null, default_card: ['ALS', 'BLS'] } });
    expect(await suggested('I1')).toEqual(['bls-near:preferred', 'als-far:acceptable', 'mrt-mid:not_on_card']);

    // A priority-1 fall now gets an MRT first, then ALS; other falls any BLS.
    const table: RunCardTable = {
      cards: [
        { incident_type: 'Fall', priority: 1, unit_types: ['MRT', 'ALS'] },
        { incident_type: 'fall', priority: null, unit_types: ['BLS'] }
      ],
      default_card: ['ALS', 'BLS']
    };
    const saved = await core.api.call('dispatch.setRunCards', table, supervisor);
    expect(saved).toMatchObject({ ok: true, value: { cards: table.cards, updated_by: 'sam' } });
    expect(await suggested('I1')).toEqual(['mrt-mid:preferred', 'als-far:acceptable', 'bls-near:not_on_card']);
    expect(await suggested('I2')).toEqual(['bls-near:preferred', 'mrt-mid:not_on_card', 'als-far:not_on_card']);

    // A dispatcher may read the cards but not change them; bad tables are refused with a sentence that says what to fix.
    expect(await core.api.call('dispatch.setRunCards', table, dispatcher)).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
    const twice = await core.api.call('dispatch.setRunCards', { ...table, cards: [...table.cards, { incident_type: 'FALL', priority: 1, unit_types: ['ALS'] }] }, supervisor);
    expect(twice).toMatchObject({ ok: false, error: { code: 'VALIDATION_FAILED' } });
    expect(!twice.ok && twice.error.message).toContain('"FALL" at priority 1 has two cards; keep one.');
    const empty = await core.api.call('dispatch.setRunCards', { cards: [{ incident_type: 'stroke', priority: null, unit_types: [] }], default_card: ['ALS'] }, supervisor);
    expect(!empty.ok && empty.error.message).toContain('List at least one unit type.');
    const badPriority = await core.api.call('dispatch.setRunCards', { cards: [{ incident_type: 'stroke', priority: 12, unit_types: ['ALS'] }], default_card: ['ALS'] }, supervisor);
    expect(!badPriority.ok && badPriority.error.message).toContain('Priorities run from 1 to 9.');
    // The refused tables changed nothing.
    expect(await suggested('I1')).toEqual(['mrt-mid:preferred', 'als-far:acceptable', 'bls-near:not_on_card']);

    // The audit trail: who changed it, to what.
    const rows = await core.api.call('log.query', { event_type: 'settings_changed', limit: 10, offset: 0 }, { operator: { username: 'ada', role: 'admin' }, transport: 'socket' });
    if (!rows.ok) throw new Error(rows.error.message);
    expect(rows.value.rows).toHaveLength(1);
    expect(rows.value.rows[0]).toMatchObject({ user_id: 'sam', user_role: 'supervisor', event_data: { setting: 'run_cards', value: table } });

    // Kept in the database: a restarted core proposes the same way.
    const { dataDir } = t;
    await t.close();
    t = await startTestCore({ dataDir });
    const again = await t.core.api.call('dispatch.runCards', {}, dispatcher);
    expect(again).toMatchObject({ ok: true, value: { cards: table.cards, updated_by: 'sam' } });
  });

  it('keeps the time-in-status thresholds a centre setting too (the same stored, logged path)', async () => {
    t = await startTestCore();
    const before = await t.core.api.call('dispatch.thresholds', {}, dispatcher);
    if (!before.ok) throw new Error(before.error.message);
    expect(before.value.updated_by).toBeNull();
    const incident = { ...before.value.incident, '1': { ...before.value.incident['1'], pending: { warn: 30, alarm: 90 } } };
    const saved = await t.core.api.call('dispatch.setThresholds', { incident, unit: before.value.unit }, supervisor);
    expect(saved).toMatchObject({ ok: true, value: { updated_by: 'sam', incident: { '1': { pending: { warn: 30, alarm: 90 } } } } });
    const { dataDir } = t;
    await t.close();
    t = await startTestCore({ dataDir });
    expect(await t.core.api.call('dispatch.thresholds', {}, dispatcher)).toMatchObject({ ok: true, value: { updated_by: 'sam', incident: { '1': { pending: { warn: 30, alarm: 90 } } } } });
    const rows = await t.core.api.call('log.query', { event_type: 'settings_changed', limit: 10, offset: 0 }, { operator: { username: 'ada', role: 'admin' }, transport: 'socket' });
    expect(rows.ok && rows.value.rows.map((r) => (r.event_data as { setting: string }).setting)).toEqual(['status_thresholds']);
  });
});
