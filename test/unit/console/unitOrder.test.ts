import { describe, expect, it } from 'vitest';
import { createCallSignRanks, sortUnits } from '../../../src/renderer/src/features/dispatch/unitOrder';
import { UNIT_STATUSES, type UnitView } from '../../../src/renderer/src/stores/dispatchModel';

const unit = (id: string, callsign: string, status: UnitView['status']): UnitView => ({
  id, callsign, status, lat: 47.6, lon: -122.33, heading: 0, statusSince: 0, updatedAt: 0, incidentId: null, cad: true, unitType: 'ALS'
});

/** The order the unit list always had: status, then the numeric-aware collator on call signs. */
const collator = new Intl.Collator(undefined, { numeric: true });
const plainSort = (units: Map<string, UnitView>) =>
  [...units.values()].sort((a, b) => UNIT_STATUSES.indexOf(a.status) - UNIT_STATUSES.indexOf(b.status) || collator.compare(a.callsign, b.callsign));

describe('the unit list order', () => {
  it('is the collator order by status and call sign, whatever call signs come and go between sorts', () => {
    let seed = 7;
    const next = () => (seed = (seed * 16807) % 2147483647) / 2147483647;
    const names = ['Medic', 'medic', 'Engine', 'Ladder', 'Rescue', 'Médic', 'Supervisor'];
    for (let round = 0; round < 30; round += 1) {
      const units = new Map<string, UnitView>();
      const count = 20 + Math.floor(next() * 300);
      for (let i = 0; i < count; i += 1) {
        // Repeated and case-only-different call signs on purpose: ties must keep the map's order, as before.
        const sign = `${names[Math.floor(next() * names.length)]} ${Math.floor(next() * (round < 15 ? 60 : 2000))}`;
        units.set(`U-${round}-${i}`, unit(`U-${round}-${i}`, sign, UNIT_STATUSES[Math.floor(next() * UNIT_STATUSES.length)]!));
      }
      expect(sortUnits(units).map((u) => u.id), `round ${round}`).toEqual(plainSort(units).map((u) => u.id));
    }
  });

  it('ranks call signs once and again only when new ones appear', () => {
    const ranks = createCallSignRanks();
    const first = ranks(['Medic 10', 'Medic 9', 'Engine 2'], 3);
    expect([...first.entries()].sort((a, b) => a[1] - b[1]).map(([c]) => c)).toEqual(['Engine 2', 'Medic 9', 'Medic 10']);
    expect(ranks(['Medic 9', 'Engine 2'], 2)).toBe(first);
    const grown = ranks(['Medic 9', 'Medic 11'], 2);
    expect(grown).not.toBe(first);
    expect(grown.get('Medic 10')! < grown.get('Medic 11')!).toBe(true);
  });
});
