/**
 * Hostile payload generators for the fuzzer: seeded (a failure can be replayed
 * with the same seed), producing JSON text so payloads the client itself could
 * not build (nesting deeper than JSON.stringify survives) still reach the server.
 */

import { seededRandom } from '../../../src/main/cadsim/random';

export type Rng = () => number;

/** The simulator's seeded PRNG (mulberry32): a fuzz run replays exactly from its seed. */
export const seededRng: (seed: number) => Rng = seededRandom;

export const pick = <T>(rng: Rng, list: readonly T[]): T => list[Math.floor(rng() * list.length)]!;
export const int = (rng: Rng, min: number, max: number) => min + Math.floor(rng() * (max - min + 1));

/** Strings that have broken parsers, loggers, SQL and terminals before. */
export const HOSTILE_STRINGS: readonly string[] = [
  '',
  ' ',
  '\u0000',
  'nul\u0000inside',
  '\uD800',
  'lone \uDC00 low surrogate',
  '\uFEFFbom',
  '\u202Eevil\u202C',
  'zero\u200Bwidth\u200D',
  'Z̴̡̢̛̗̘̙̜̝̞̟̠̀́̂̃̄̅̆̇̉̊̋̌̍̎̏̐̑̒̓̔̕̚͘͜͟͢͝͞͠͡a̸l̷g̶o̴',
  '🚑🏥💉🩺'.repeat(8),
  '𝕻𝖆𝖙𝖎𝖊𝖓𝖙',
  'ﷺ',
  '\r\n\r\nHTTP/1.1 200 OK\r\n',
  "'; DROP TABLE socket_logs; --",
  '" OR 1=1 --',
  '../../../../etc/passwd',
  '%s%s%s%n%x',
  '${process.exit()}',
  '<script>alert(1)</script>',
  '__proto__',
  'constructor',
  'prototype',
  'toString',
  'hasOwnProperty',
  'patient:',
  'patient::vitals',
  'patient:P1:vitals:extra',
  'patient_',
  'PATIENT:P1',
  'admin:updates',
  'system:alerts',
  'NaN',
  'Infinity',
  '-0',
  '1e309',
  '9007199254740993',
  'true',
  'null',
  '[]',
  '{}',
  'A'.repeat(129),
  'B'.repeat(301),
  'C'.repeat(4097)
];

const NUMBERS: readonly number[] = [0, -0, 1, -1, 0.5, -90.0001, 90.0001, 180.5, -180.5, 1e308, -1e308, 5e-324, 2 ** 53 + 1, 2 ** 31, -(2 ** 31) - 1, 123456789.123];

const KEYS: readonly string[] = [
  'room',
  'since',
  'latitude',
  'longitude',
  'location',
  'data_type',
  'values',
  'patient_id',
  'hospital_id',
  'status',
  'timestamp',
  'request_id',
  'response',
  'accepting',
  'alert_type',
  'alert_data',
  'risk_score',
  'type',
  'data',
  'id',
  'token',
  '__proto__',
  'constructor',
  ''
];

/** A random hostile JS value (always JSON-serialisable: the wire is JSON). */
export function hostileValue(rng: Rng, depth = 0): unknown {
  const r = rng();
  if (depth > 4 || r < 0.3) {
    const k = rng();
    if (k < 0.35) return pick(rng, HOSTILE_STRINGS);
    if (k < 0.6) return pick(rng, NUMBERS);
    if (k < 0.7) return rng() < 0.5;
    if (k < 0.8) return null;
    if (k < 0.9) return randomUnicode(rng, int(rng, 1, 64));
    return int(rng, -1000, 1000);
  }
  if (r < 0.65) {
    const obj: Record<string, unknown> = {};
    const n = int(rng, 0, 6);
    for (let i = 0; i < n; i += 1) obj[rng() < 0.7 ? pick(rng, KEYS) : randomUnicode(rng, int(rng, 1, 12))] = hostileValue(rng, depth + 1);
    return obj;
  }
  const n = int(rng, 0, 6);
  return Array.from({ length: n }, () => hostileValue(rng, depth + 1));
}

/** Random code points from every plane, including surrogates and controls. */
export function randomUnicode(rng: Rng, length: number): string {
  let out = '';
  for (let i = 0; i < length; i += 1) {
    const band = rng();
    const cp = band < 0.3 ? int(rng, 0, 0x7f) : band < 0.5 ? int(rng, 0x80, 0x7ff) : band < 0.7 ? int(rng, 0xd800, 0xdfff) : band < 0.9 ? int(rng, 0x800, 0xffff) : int(rng, 0x10000, 0x10ffff);
    out += cp >= 0xd800 && cp <= 0xdfff ? String.fromCharCode(cp) : String.fromCodePoint(cp);
  }
  return out;
}

/** Valid payloads for every hub client event, which mutations then break one field at a time. */
export const VALID_HUB_SAMPLES: Record<string, Record<string, unknown>> = {
  join_room: { room: 'device:monitor:D-1' },
  leave_room: { room: 'device:monitor:D-1' },
  subscribe: { room: 'device_monitor_D-1' },
  unsubscribe: { room: 'device:monitor:D-1' },
  room_history: { room: 'device:monitor:D-1', since: 0 },
  ping: { timestamp: '2025-01-01T00:00:00Z' },
  update_location: { latitude: 47.6, longitude: -122.3, heading: 90, speed_kmh: 40 },
  ambulance_request: { location: { latitude: 47.6, longitude: -122.3 }, emergency_details: { type: 'cardiac', severity: 'high' } },
  hospital_response: { request_id: 'R-1', response: 'rejected', reason: 'full' },
  hospital_status: { accepting: true },
  device_data: { data_type: 'heart_rate', values: { heart_rate: 72 }, patient_id: 'P-1' },
  device_status: { status: 'online', battery: 80 },
  publish_patient_alert: { patient_id: 'P-1', alert_type: 'info', alert_data: {} },
  publish_risk_update: { patient_id: 'P-1', risk_score: 0.5, risk_level: 'medium' },
  publish_hospital_alert: { hospital_id: 'H-1', alert_type: 'capacity', alert_data: {} },
  publish_triage_update: { triage_id: 'T-1', status: 'pending' },
  publish_availability_update: { hospital_id: 'H-1', staff_id: 'S-1', staff_type: 'nurse', available: true },
  publish_bed_status_update: { hospital_id: 'H-1', bed_info: { bed_id: 'B-1', status: 'free' } }
};

/** A valid sample with one field broken: wrong type, out of range, missing, or extra junk. */
export function mutateSample(rng: Rng, sample: Record<string, unknown>): unknown {
  const copy: Record<string, unknown> = structuredClone(sample);
  const keys = Object.keys(copy);
  const key = keys.length ? pick(rng, keys) : 'x';
  const how = rng();
  if (how < 0.3) copy[key] = hostileValue(rng, 3);
  else if (how < 0.45) delete copy[key];
  else if (how < 0.6) copy[pick(rng, KEYS) || 'extra'] = hostileValue(rng, 2);
  else if (how < 0.75) copy[key] = typeof copy[key] === 'number' ? pick(rng, NUMBERS) : pick(rng, HOSTILE_STRINGS);
  else if (how < 0.85) return [copy];
  else copy[key] = { nested: copy[key], again: [copy[key], copy[key]] };
  return copy;
}

/** JSON text of a payload nested `depth` levels deep (deeper than JSON.stringify can produce). */
export const deepJson = (depth: number, open = '[', close = ']'): string => open.repeat(depth) + close.repeat(depth);
export const deepObjectJson = (depth: number): string => '{"a":'.repeat(depth) + '1' + '}'.repeat(depth);

export type PayloadKind = 'random' | 'mutated' | 'deep' | 'oversized' | 'wrong_type' | 'unicode';

/**
 * One hostile payload as JSON text (undefined = no payload at all), and what
 * kind it is, for the tally. `oversizedBytes` stays under the transport's frame
 * limit so the hub's own size check is what answers.
 */
export function hostilePayload(rng: Rng, event: string, oversizedBytes = 66_000): { kind: PayloadKind; json: string | undefined } {
  // Own properties only: the fuzzer's event names include "constructor" and "__proto__".
  const sample = Object.hasOwn(VALID_HUB_SAMPLES, event) ? VALID_HUB_SAMPLES[event] : undefined;
  const r = rng();
  if (r < 0.3) return { kind: 'mutated', json: JSON.stringify(mutateSample(rng, sample ?? { room: 'x' })) };
  if (r < 0.55) return { kind: 'random', json: JSON.stringify(hostileValue(rng)) };
  if (r < 0.65) {
    // Mostly moderate depths; a few far past what JSON.stringify survives (each is ~600 KB on the wire).
    const depth = rng() < 0.05 ? 100_000 : pick(rng, [64, 200, 2_000, 12_000]);
    return { kind: 'deep', json: rng() < 0.5 ? deepJson(depth) : deepObjectJson(depth) };
  }
  if (r < 0.7) {
    const filler = 'x'.repeat(oversizedBytes + int(rng, 0, 4_000));
    return { kind: 'oversized', json: JSON.stringify({ ...(sample ?? {}), filler }) };
  }
  if (r < 0.85) {
    const v = pick(rng, [null, 0, -1, true, 'string', [], [1, 2, 3], 1e308, '', undefined]);
    return { kind: 'wrong_type', json: v === undefined ? undefined : JSON.stringify(v) };
  }
  const obj: Record<string, unknown> = {};
  for (const k of Object.keys(sample ?? { room: 1 })) obj[k] = rng() < 0.5 ? randomUnicode(rng, int(rng, 1, 200)) : pick(rng, HOSTILE_STRINGS);
  return { kind: 'unicode', json: JSON.stringify(obj) };
}
