import { UNIT_STATUSES, type UnitView } from '../../stores/dispatchModel';

const collator = new Intl.Collator(undefined, { numeric: true });
const STATUS_RANK = new Map<string, number>(UNIT_STATUSES.map((s, i) => [s, i]));

/**
 * Call signs in collation order ("Medic 9" before "Medic 10"), as ranks kept
 * between sorts: the list is sorted again after every status change and after a
 * reconnect's reload, and the same call signs come back each time, so the
 * collator (the costly part of a sort of thousands of units) runs only when
 * call signs appear that were not ranked before.
 */
export function createCallSignRanks() {
  let ranks = new Map<string, number>();
  return (callsigns: Iterable<string>, count: number): Map<string, number> => {
    const current = new Set<string>();
    let missing = false;
    for (const c of callsigns) {
      current.add(c);
      if (!missing && !ranks.has(c)) missing = true;
    }
    // Rebuilt with the call signs seen now, and from those alone once old ones far outnumber them.
    if (missing || ranks.size > 4 * Math.max(count, 64)) {
      const all = ranks.size > 4 * Math.max(count, 64) ? [...current] : [...new Set([...ranks.keys(), ...current])];
      all.sort(collator.compare);
      const next = new Map<string, number>();
      // Signs the collator holds equal share a rank, as the collator's own sort would tie them.
      all.forEach((c, i) => next.set(c, i > 0 && collator.compare(all[i - 1]!, c) === 0 ? next.get(all[i - 1]!)! : i));
      ranks = next;
    }
    return ranks;
  };
}

const callSignRanks = createCallSignRanks();

/** Units grouped by status in a fixed order (available first), then by call sign; ties keep the map's order. */
export function sortUnits(units: ReadonlyMap<string, UnitView>): UnitView[] {
  const list = [...units.values()];
  const ranks = callSignRanks(
    list.map((u) => u.callsign),
    list.length
  );
  const status = (u: UnitView) => STATUS_RANK.get(u.status) ?? -1;
  return list.sort((a, b) => status(a) - status(b) || ranks.get(a.callsign)! - ranks.get(b.callsign)!);
}
