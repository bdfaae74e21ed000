import { describe, expect, it } from 'vitest';
import { FAST_ACCEPTORS } from '../../../src/main/core/hub/fastPayloads';
import { HUB_CLIENT_EVENTS, type HubClientEvent } from '../../../src/shared/hubEvents';
import { parseUntrusted } from '../../../src/shared/parseUntrusted';

/** A small deterministic generator, so a failure names a seed that reproduces it. */
function random(seed: number) {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) / 0x1_0000_0000;
  };
}

/** Values at and around every limit of LocationSchema, and values of the wrong kind. */
const EDGE_NUMBERS = [-500.5, -180.0001, -180, -90.5, -90, -1, -0, 0, 0.5, 42, 89.999, 90, 90.0001, 180, 180.5, 360, 360.01, 500, 500.1, 100_000, 100_001, NaN, Infinity, -Infinity];
const ODD_VALUES = [undefined, null, true, '12', '', [], {}, [1, 2], { latitude: 1 }];
const texts = (max: number) => ['', 'x', 'en_route', 'x'.repeat(max), 'x'.repeat(max + 1), 'é'.repeat(max), '🚑'.repeat(max / 2), '🚑'.repeat(max / 2 + 1)];
const FIELDS: Record<string, unknown[]> = {
  latitude: EDGE_NUMBERS,
  longitude: EDGE_NUMBERS,
  accuracy_m: EDGE_NUMBERS,
  heading: EDGE_NUMBERS,
  speed_kmh: EDGE_NUMBERS,
  status: texts(32),
  timestamp: [...texts(64), new Date(0).toISOString()]
};

function locationPayload(next: () => number): unknown {
  const pick = <T,>(list: readonly T[]) => list[Math.floor(next() * list.length)];
  const roll = next();
  if (roll < 0.03) return pick([null, undefined, 'text', 7, [], [{ latitude: 1, longitude: 2 }]]);
  const out: Record<string, unknown> = {};
  for (const [key, values] of Object.entries(FIELDS)) {
    const r = next();
    // Mostly a good value, sometimes an edge, sometimes the wrong kind, sometimes absent or explicitly undefined.
    if (r < 0.15) continue;
    if (r < 0.2) out[key] = undefined;
    else if (r < 0.3) out[key] = pick(ODD_VALUES);
    else if (r < 0.5) out[key] = pick(values);
    else out[key] = key === 'status' || key === 'timestamp' ? pick(texts(8).slice(0, 3)) : Math.round(next() * 8000) / 100;
  }
  if (next() < 0.2) out.event_id = `e-${Math.floor(next() * 1e6)}`;
  if (next() < 0.1) out.extra = { nested: true };
  if (next() < 0.02) return Object.assign(Object.create({ inherited: 1 }) as object, out);
  return next() < 0.02 ? JSON.parse(`{"constructor": null, "__proto__": {"x": 1}, "latitude": 1, "longitude": 2}`) : out;
}

describe('hand-written acceptors of the hot events', () => {
  it('accept exactly what the zod schema accepts, with the same result, and leave every refusal to the schema', () => {
    for (const [event, accept] of Object.entries(FAST_ACCEPTORS) as Array<[HubClientEvent, (p: unknown) => unknown]>) {
      const schema = HUB_CLIENT_EVENTS[event];
      let fastAccepted = 0;
      let refused = 0;
      for (let seed = 1; seed <= 8_000; seed += 1) {
        const payload = locationPayload(random(seed));
        const fast = accept(payload);
        const slow = parseUntrusted(schema, payload ?? {});
        if (fast !== undefined) {
          fastAccepted += 1;
          // What the fast path lets through, the schema lets through too, and produces the same value.
          expect(slow.success, `seed ${seed}: ${JSON.stringify(payload)}`).toBe(true);
          expect(fast, `seed ${seed}`).toStrictEqual(slow.data);
          expect(JSON.stringify(fast)).toBe(JSON.stringify(slow.data)); // same key order in the log row
        } else if (slow.success) {
          // The schema's path is still correct; only objects the fast path refuses to judge may come here.
          const plain =
            payload !== null && typeof payload === 'object' && Object.getPrototypeOf(payload) === Object.prototype && !Object.hasOwn(payload, 'constructor');
          expect(plain, `seed ${seed}: a valid plain payload the fast path missed: ${JSON.stringify(payload)}`).toBe(false);
        } else refused += 1;
      }
      // Both sides of the comparison were exercised.
      expect(fastAccepted).toBeGreaterThan(800);
      expect(refused).toBeGreaterThan(800);
    }
  });

  it('hand a client the schema-worded refusal for a bad location (through the hub processor path)', () => {
    const accept = FAST_ACCEPTORS.update_location!;
    expect(accept({ latitude: 91, longitude: 0 })).toBeUndefined();
    const refused = parseUntrusted(HUB_CLIENT_EVENTS.update_location, { latitude: 91, longitude: 0 });
    expect(refused.success).toBe(false);
    expect(accept({ latitude: 47.6, longitude: -122.3, status: 'en_route', event_id: 'e1', extra: 1 })).toStrictEqual({ latitude: 47.6, longitude: -122.3, status: 'en_route' });
  });
});
