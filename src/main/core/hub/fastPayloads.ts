import type { HubClientEvent, HubEventPayload } from '../../../shared/hubEvents';

/**
 * Hand-written acceptors for the events that arrive thousands of times a second,
 * in front of their zod schemas (hubEvents.ts), which cost several times more per
 * event. An acceptor only ever *accepts*: it returns exactly what the schema's
 * parse would (same fields, unknown keys dropped) for a payload it is sure is
 * valid, and undefined for anything else, which then goes to the zod schema, so
 * every refusal keeps the schema's message and code. test/unit/hub/fastPayloads.test.ts
 * checks both against each other on generated valid and invalid payloads.
 */
export type FastAcceptor<E extends HubClientEvent> = (payload: unknown) => HubEventPayload<E> | undefined;

/** zod's number(): finite. */
const inRange = (v: unknown, min: number, max: number): v is number => typeof v === 'number' && Number.isFinite(v) && v >= min && v <= max;
/** Absent (undefined) or within the range. */
const optionalInRange = (v: unknown, min: number, max: number) => v === undefined || inRange(v, min, max);
const optionalText = (v: unknown, max: number) => v === undefined || (typeof v === 'string' && v.length <= max);

/**
 * A plain object from JSON (or an object literal). Anything else, including the
 * hostile `{"constructor": null}` parseUntrusted guards against, takes the schema's path.
 */
function plainObject(v: unknown): v is Record<string, unknown> {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) return false;
  // An own "constructor" key (zod judges the object by it) or another prototype: the schema decides.
  return Object.getPrototypeOf(v) === Object.prototype && (v as { constructor?: unknown }).constructor === Object;
}

/** LocationSchema: latitude, longitude, and the optional accuracy, heading, speed, status and timestamp. */
const acceptLocation: FastAcceptor<'update_location'> = (payload) => {
  if (!plainObject(payload)) return undefined;
  const { latitude, longitude, accuracy_m, heading, speed_kmh, status, timestamp } = payload;
  if (!inRange(latitude, -90, 90) || !inRange(longitude, -180, 180)) return undefined;
  if (!optionalInRange(accuracy_m, 0, 100_000) || !optionalInRange(heading, 0, 360) || !optionalInRange(speed_kmh, 0, 500)) return undefined;
  if (!optionalText(status, 32) || !optionalText(timestamp, 64)) return undefined;
  // The schema keeps a key the payload has even when its value is undefined, and adds none it lacks.
  const out: HubEventPayload<'update_location'> = { latitude, longitude };
  if ('accuracy_m' in payload) out.accuracy_m = accuracy_m as number | undefined;
  if ('heading' in payload) out.heading = heading as number | undefined;
  if ('speed_kmh' in payload) out.speed_kmh = speed_kmh as number | undefined;
  if ('status' in payload) out.status = status as string | undefined;
  if ('timestamp' in payload) out.timestamp = timestamp as string | undefined;
  return out;
};

export const FAST_ACCEPTORS: { readonly [E in HubClientEvent]?: FastAcceptor<E> } = {
  update_location: acceptLocation
};
