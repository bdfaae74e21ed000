import { randomUUID } from 'node:crypto';
import { promisify } from 'node:util';
import zlib from 'node:zlib';
import type { Incident, Unit } from '../../../shared/cad';
import type { z } from 'zod';
import { KEYFRAME_EVENT_TYPE } from '../log/read/statistics';
import type { CrewPositionSchema, ReplayAlert, ReplayConnection } from '../../../shared/contract/replay';
import type { NewSocketLog } from '../log/types';

/** The event type of keyframe rows: ordinary chained rows of the socket log. */
export const KEYFRAME_EVENT = KEYFRAME_EVENT_TYPE;

/** Why a keyframe was written: the timer, a CAD resync (the picture was replaced), or a core start. */
export type KeyframeReason = 'periodic' | 'resync' | 'start';

/** A crew's own last position through the hub (the console draws it over the CAD's). */
export type CrewPosition = z.infer<typeof CrewPositionSchema>;

/** The whole picture at one moment, as a keyframe carries it. */
export interface KeyframePicture {
  /** When the picture was taken, on the log's clock: rows from then on are applied over it. */
  at: string;
  reason: KeyframeReason;
  cad: { epoch: string; seq: number } | null;
  synced_at: string | null;
  cad_link: 'up' | 'down' | 'unknown';
  metrics: Record<string, number>;
  units: Unit[];
  incidents: Incident[];
  alerts: ReplayAlert[];
  connections: ReplayConnection[];
  crew_positions: CrewPosition[];
  /** Which unit each crew login reports for (hub rows name the login, not the unit). */
  crew_units: Record<string, string>;
}

type Header = Pick<KeyframePicture, 'at' | 'reason' | 'cad' | 'synced_at' | 'cad_link'>;

/** How a keyframe's picture is stored: its JSON, deflated (raw) and base64, cut over the parts in order. */
export const KEYFRAME_ENCODING = 'deflate-raw/base64';

/**
 * One keyframe row's data: the header in clear on every part (the timeline and
 * a person reading the log see what it is), and a slice of the deflated picture.
 * The picture is deflated because a full one of 2,000 units is hundreds of KB of
 * very repetitive JSON, written every minute: it would dwarf the log and make
 * every seek read it back.
 */
export interface KeyframePart extends Header {
  kf: string;
  part: number;
  parts: number;
  encoding?: typeof KEYFRAME_ENCODING;
  z?: string;
  /** Keyframes written before the picture was deflated carried their lists in clear. */
  lists?: Partial<Record<ListName, unknown[]>>;
  metrics?: Record<string, number>;
  crew_units?: Record<string, string>;
}

const LISTS = ['units', 'incidents', 'alerts', 'connections', 'crew_positions'] as const;
type ListName = (typeof LISTS)[number];
/** Base64 characters per part, so each part stays well below the log's 64 KB per field. */
const PART_CHARS = 48 * 1024;
const LEVEL = 6;
const deflateRaw = promisify(zlib.deflateRaw);

const headerOf = (p: Header): Header => ({ at: p.at, reason: p.reason, cad: p.cad, synced_at: p.synced_at, cad_link: p.cad_link });

function splitParts(header: Header, deflated: Buffer): KeyframePart[] {
  const kf = randomUUID();
  const text = deflated.toString('base64');
  const parts = Math.max(1, Math.ceil(text.length / PART_CHARS));
  return Array.from({ length: parts }, (_, part) => ({
    ...headerOf(header),
    kf,
    part,
    parts,
    encoding: KEYFRAME_ENCODING,
    z: text.slice(part * PART_CHARS, (part + 1) * PART_CHARS)
  }));
}

/** The parts of a picture given as its JSON text (deflated on libuv's pool, off the event loop). */
export async function keyframePartsOf(header: Header, pictureJson: string): Promise<KeyframePart[]> {
  return splitParts(header, await deflateRaw(pictureJson, { level: LEVEL }));
}

/** The same, in one synchronous call (benchmark fixtures and tests). */
export function keyframePartsSync(picture: KeyframePicture): KeyframePart[] {
  return splitParts(picture, zlib.deflateRawSync(JSON.stringify(picture), { level: LEVEL }));
}

/** The log entries of one keyframe (queued in one go, so they commit together with consecutive ids). */
export function keyframeEntries(parts: readonly KeyframePart[]): NewSocketLog[] {
  return parts.map((part) => ({
    eventType: KEYFRAME_EVENT,
    socketId: 'core',
    userId: 'replay',
    userRole: 'system',
    eventData: part,
    status: 'success',
    processed: true
  }));
}

function joinLegacy(sorted: readonly KeyframePart[]): KeyframePicture {
  const first = sorted[0]!;
  const lists = Object.fromEntries(LISTS.map((l) => [l, sorted.flatMap((p) => p.lists?.[l] ?? [])])) as Pick<KeyframePicture, ListName>;
  return { ...headerOf(first), metrics: first.metrics ?? {}, crew_units: first.crew_units ?? {}, ...lists };
}

/** Joins the parts of one keyframe back into a picture; null when a part is missing or unreadable. */
export function joinKeyframe(parts: readonly KeyframePart[]): KeyframePicture | null {
  if (parts.length === 0) return null;
  const sorted = [...parts].sort((a, b) => a.part - b.part);
  const first = sorted[0]!;
  if (sorted.length !== first.parts || sorted.some((p, i) => p.part !== i || p.kf !== first.kf)) return null;
  if (first.encoding !== KEYFRAME_ENCODING) return joinLegacy(sorted);
  try {
    const json = zlib.inflateRawSync(Buffer.from(sorted.map((p) => p.z ?? '').join(''), 'base64')).toString('utf8');
    const picture = JSON.parse(json) as KeyframePicture;
    return picture && Array.isArray(picture.units) ? { ...picture, ...headerOf(first) } : null;
  } catch {
    return null;
  }
}
