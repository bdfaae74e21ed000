import { INCIDENT_STATUSES, INCIDENT_TIMESTAMPS, IncidentNoteSchema, UNIT_STATUSES, type Incident, type IncidentNote, type Location, type Unit } from '../cad';
import type { DispatchSnapshot } from './dispatch';

/**
 * A hand-written acceptor for the dispatch snapshot (DispatchSnapshotSchema), the
 * console's largest answer: thousands of units and incidents after every
 * reconnect. The console's Content-Security-Policy forbids the code generation
 * zod uses to make object parsing fast, and the schema's interpreted path was the
 * largest single step of a reload. Like the hub's (fastPayloads.ts), this only
 * ever accepts: it returns exactly what the schema's parse would for a snapshot it
 * is sure is valid, and undefined for anything else, which then goes to the
 * schema (so a bad snapshot is refused as before). test/unit/console/snapshotAcceptor.test.ts
 * checks the two against each other.
 */

type Plain = Record<string, unknown>;

function plain(v: unknown): v is Plain {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) return false;
  // An own "constructor" key or another prototype: the schema decides.
  return Object.getPrototypeOf(v) === Object.prototype && (v as { constructor?: unknown }).constructor === Object;
}

/** The very pattern the schema's ISO datetime (with offset) check tests: read from the schema so the two cannot drift. */
const DATETIME = (IncidentNoteSchema.shape.at as unknown as { _zod: { pattern: RegExp } })._zod.pattern;
const UNIT_STATUS = new Set<unknown>(UNIT_STATUSES);
const INCIDENT_STATUS = new Set<unknown>(INCIDENT_STATUSES);
const TIMESTAMP_NAME = new Set<string>(INCIDENT_TIMESTAMPS);

const num = (v: unknown, min: number, max: number): v is number => typeof v === 'number' && Number.isFinite(v) && v >= min && v <= max;
const text = (v: unknown, min: number, max: number): v is string => typeof v === 'string' && v.length >= min && v.length <= max;
const id = (v: unknown): v is string => text(v, 1, 128);
const datetime = (v: unknown): v is string => typeof v === 'string' && DATETIME.test(v);
/** A rejection marker: never a valid value of any field. */
const NO = Symbol('refused');

function location(v: unknown): Location | null | typeof NO {
  if (v === null) return null;
  if (!plain(v) || !num(v.lat, -90, 90) || !num(v.lon, -180, 180)) return NO;
  return { lat: v.lat, lon: v.lon };
}

function unit(v: unknown): Unit | undefined {
  if (!plain(v)) return undefined;
  const { unit_type, heading, speed, incident_id, last_report } = v;
  if (!id(v.id) || !text(v.call_sign, 1, 64) || !UNIT_STATUS.has(v.status)) return undefined;
  if (!(unit_type === undefined || unit_type === null || text(unit_type, 1, 32))) return undefined;
  if (!(heading === null || num(heading, 0, 360)) || !(speed === null || num(speed, 0, 400))) return undefined;
  if (!(incident_id === null || id(incident_id)) || !(last_report === null || datetime(last_report))) return undefined;
  const loc = location(v.location);
  if (loc === NO) return undefined;
  return { id: v.id, call_sign: v.call_sign, unit_type: unit_type ?? null, status: v.status as Unit['status'], location: loc, heading, speed, incident_id, last_report };
}

function note(v: unknown): IncidentNote | undefined {
  if (!plain(v) || !id(v.id) || !text(v.text, 1, 2000) || !(v.author === null || text(v.author, 0, 128)) || !datetime(v.at)) return undefined;
  return { id: v.id, text: v.text, author: v.author, at: v.at };
}

function timestamps(v: unknown): Incident['timestamps'] | undefined {
  if (!plain(v)) return undefined;
  const out: Record<string, string> = {};
  for (const key of Object.keys(v)) {
    const at = v[key];
    if (!TIMESTAMP_NAME.has(key) || !datetime(at)) return undefined;
    out[key] = at;
  }
  return out;
}

function list<T>(v: unknown, max: number, item: (x: unknown) => T | undefined): T[] | undefined {
  if (!Array.isArray(v) || v.length > max) return undefined;
  const out: T[] = new Array<T>(v.length);
  for (let i = 0; i < v.length; i += 1) {
    const accepted = item(v[i]);
    if (accepted === undefined) return undefined;
    out[i] = accepted;
  }
  return out;
}

function incident(v: unknown): Incident | undefined {
  if (!plain(v)) return undefined;
  const { priority, destination } = v;
  if (!id(v.id) || !text(v.type, 1, 128) || !(typeof priority === 'number' && Number.isSafeInteger(priority) && priority >= 1 && priority <= 9)) return undefined;
  if (!text(v.address, 0, 512) || !INCIDENT_STATUS.has(v.status) || !(destination === null || text(destination, 0, 256)) || !datetime(v.updated_at)) return undefined;
  const loc = location(v.location);
  const assigned = list(v.assigned_units, 64, (x) => (id(x) ? x : undefined));
  const times = timestamps(v.timestamps);
  const notes = v.notes === undefined ? [] : list(v.notes, 500, note);
  if (loc === NO || !assigned || !times || !notes) return undefined;
  return {
    id: v.id,
    type: v.type,
    priority,
    address: v.address,
    location: loc,
    status: v.status as Incident['status'],
    assigned_units: assigned,
    timestamps: times,
    destination,
    notes,
    updated_at: v.updated_at
  };
}

function metrics(v: unknown): Record<string, number> | undefined {
  if (!plain(v)) return undefined;
  const out: Record<string, number> = {};
  for (const key of Object.keys(v)) {
    const value = v[key];
    // "__proto__" would set the copy's prototype rather than a key: the schema decides.
    if (key === '__proto__' || typeof value !== 'number' || !Number.isFinite(value)) return undefined;
    out[key] = value;
  }
  return out;
}

export function acceptDispatchSnapshot(v: unknown): DispatchSnapshot | undefined {
  if (!plain(v)) return undefined;
  const { cad, synced_at } = v;
  if (!(synced_at === null || typeof synced_at === 'string')) return undefined;
  let position: DispatchSnapshot['cad'] = null;
  if (cad !== null) {
    if (!plain(cad) || typeof cad.epoch !== 'string' || !(typeof cad.seq === 'number' && Number.isSafeInteger(cad.seq))) return undefined;
    position = { epoch: cad.epoch, seq: cad.seq };
  }
  const units = list(v.units, Number.POSITIVE_INFINITY, unit);
  const incidents = list(v.incidents, Number.POSITIVE_INFINITY, incident);
  const values = metrics(v.metrics);
  if (!units || !incidents || !values) return undefined;
  return { units, incidents, metrics: values, cad: position, synced_at };
}

/** Contract answers with an acceptor in front of their output schema. */
export const OUTPUT_ACCEPTORS: { readonly [method: string]: ((value: unknown) => unknown) | undefined } = {
  'dispatch.snapshot': acceptDispatchSnapshot
};
