import { describe, expect, it } from 'vitest';
import { DispatchSnapshotSchema } from '../../../src/shared/contract/dispatch';
import { acceptDispatchSnapshot } from '../../../src/shared/contract/snapshotAcceptor';

/** Deterministic, so a failure names a seed that reproduces it. */
function random(seed: number) {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) / 0x1_0000_0000;
  };
}

const at = '2026-01-01T10:00:00.000Z';
const validSnapshot = () => ({
  units: [
    { id: 'U-1', call_sign: 'Medic 1', unit_type: 'ALS', status: 'available', location: { lat: 47.6, lon: -122.3 }, heading: 90, speed: 40, incident_id: null, last_report: at },
    { id: 'U-2', call_sign: 'Medic 2', status: 'en_route', location: null, heading: null, speed: null, incident_id: 'I-1', last_report: null },
    { id: 'U-3', call_sign: 'Engine 3', unit_type: null, status: 'out_of_service', location: { lat: -90, lon: 180 }, heading: 360, speed: 0, incident_id: null, last_report: '2026-02-28T23:59:59+01:00' }
  ],
  incidents: [
    {
      id: 'I-1',
      type: 'Chest Pain',
      priority: 1,
      address: '1 Main St',
      location: { lat: 47.61, lon: -122.33 },
      status: 'dispatched',
      assigned_units: ['U-2'],
      timestamps: { call_received: at, dispatched: '2026-01-01T10:01:00Z' },
      destination: null,
      notes: [{ id: 'N-1', text: 'Gate code 1234', author: 'dana', at }],
      updated_at: at
    },
    { id: 'I-2', type: 'Fall', priority: 9, address: '', location: null, status: 'pending', assigned_units: [], timestamps: {}, destination: 'Harborview', updated_at: at }
  ],
  metrics: { calls_today: 12, avg_response_s: 431.5 },
  cad: { epoch: 'e-1', seq: 42 },
  synced_at: at
});

/** Values at and around the schema's limits, and values of the wrong kind. */
const ODD: unknown[] = [
  undefined, null, true, 0, -0, -1, 1, 1.5, 9, 10, 64, 90, 90.5, -90.5, 180.5, 360, 361, 400, 401, NaN, Infinity, 2 ** 53, '', 'x', 'available', 'closed', 'pending',
  'x'.repeat(33), 'x'.repeat(65), 'x'.repeat(129), at, '2026-02-29T10:00:00Z', '2026-01-01T10:00:00', '2026-01-01 10:00:00Z', [], ['U-1'], {}, { lat: 1, lon: 2 }, { lat: 91, lon: 0 }
];

type Node = Record<string, unknown> | unknown[];

/** Every object and array inside the snapshot, with the keys it has, for picking a place to damage. */
function places(value: unknown, out: Node[] = []): Node[] {
  if (value !== null && typeof value === 'object') {
    out.push(value as Node);
    for (const child of Object.values(value)) places(child, out);
  }
  return out;
}

function damaged(seed: number): unknown {
  const next = random(seed);
  const snapshot = validSnapshot();
  const all = places(snapshot);
  const mutations = 1 + Math.floor(next() * 2);
  for (let m = 0; m < mutations; m += 1) {
    const node = all[Math.floor(next() * all.length)]!;
    const keys = Object.keys(node);
    const roll = next();
    if (roll < 0.1) (node as Record<string, unknown>)[`extra_${m}`] = 1; // an unknown key: dropped by the schema
    else if (roll < 0.18 && keys.length) delete (node as Record<string, unknown>)[keys[Math.floor(next() * keys.length)]!];
    else if (roll < 0.22 && !Array.isArray(node)) (node as Record<string, unknown>).dispatched = at; // a known timestamp name, or an extra key
    else if (keys.length) (node as Record<string, unknown>)[keys[Math.floor(next() * keys.length)]!] = ODD[Math.floor(next() * ODD.length)];
  }
  return snapshot;
}

describe("the dispatch snapshot's hand-written acceptor", () => {
  it('accepts a valid snapshot with exactly the value the schema gives (defaults filled, unknown keys dropped)', () => {
    const snapshot = validSnapshot();
    const fast = acceptDispatchSnapshot(snapshot);
    const slow = DispatchSnapshotSchema.parse(snapshot);
    expect(fast).toStrictEqual(slow);
    expect(JSON.stringify(fast)).toBe(JSON.stringify(slow));
    expect(fast!.units[1]!.unit_type).toBeNull();
    expect(fast!.incidents[1]!.notes).toEqual([]);
  });

  it('never accepts what the schema refuses, and agrees with it on thousands of damaged snapshots', () => {
    let accepted = 0;
    let refused = 0;
    for (let seed = 1; seed <= 3_000; seed += 1) {
      const input = damaged(seed);
      const fast = acceptDispatchSnapshot(input);
      const slow = DispatchSnapshotSchema.safeParse(input);
      if (fast !== undefined) {
        accepted += 1;
        expect(slow.success, `seed ${seed}: accepted what the schema refuses`).toBe(true);
        expect(fast, `seed ${seed}`).toStrictEqual(slow.data);
        expect(JSON.stringify(fast)).toBe(JSON.stringify(slow.data));
      } else {
        // Left to the schema: it must then be a snapshot the schema refuses too (the acceptor misses no valid JSON snapshot).
        expect(slow.success, `seed ${seed}: a valid snapshot the acceptor missed: ${JSON.stringify(input)}`).toBe(false);
        refused += 1;
      }
    }
    expect(accepted).toBeGreaterThan(150);
    expect(refused).toBeGreaterThan(1_500);
  });

  it('leaves hostile objects to the schema', () => {
    const snapshot = validSnapshot() as Record<string, unknown>;
    expect(acceptDispatchSnapshot(JSON.parse(`{"constructor": null, "units": [], "incidents": [], "metrics": {}, "cad": null, "synced_at": null}`))).toBeUndefined();
    snapshot.metrics = JSON.parse('{"__proto__": 1}');
    expect(acceptDispatchSnapshot(snapshot)).toBeUndefined();
    expect(acceptDispatchSnapshot({ ...validSnapshot(), units: [Object.create({ id: 'U-9' })] })).toBeUndefined();
  });
});
