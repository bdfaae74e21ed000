import { randomUUID } from 'node:crypto';
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

/** Lists a keyframe is split over, so each part stays below the log's 64 KB per field. */
const LISTS = ['units', 'incidents', 'alerts', 'connections', 'crew_positions'] as const;
type ListName = (typeof LISTS)[number];
const PART_CHARS = 48 * 1024;

/** One keyframe row's data: the header on every part, and a slice of the lists. */
export interface KeyframePart extends Omit<KeyframePicture, ListName | 'crew_units' | 'metrics'> {
  kf: string;
  part: number;
  parts: number;
  metrics?: Record<string, number>;
  crew_units?: Record<string, string>;
  lists: Partial<Record<ListName, unknown[]>>;
}

/** Splits a picture into keyframe parts of at most about PART_CHARS of JSON each. */
export function keyframeParts(picture: KeyframePicture): KeyframePart[] {
  const kf = randomUUID();
  const { units: _u, incidents: _i, alerts: _a, connections: _c, crew_positions: _p, crew_units, metrics, ...header } = picture;
  const slices: Array<Partial<Record<ListName, unknown[]>>> = [{}];
  let size = JSON.stringify(crew_units).length + JSON.stringify(metrics).length;
  for (const list of LISTS) {
    for (const item of picture[list]) {
      const itemSize = JSON.stringify(item).length + 1;
      if (size + itemSize > PART_CHARS && size > 0) {
        slices.push({});
        size = 0;
      }
      const current = slices[slices.length - 1]!;
      (current[list] ??= []).push(item);
      size += itemSize;
    }
  }
  return slices.map((lists, part) => ({
    ...header,
    kf,
    part,
    parts: slices.length,
    ...(part === 0 ? { metrics, crew_units } : {}),
    lists
  }));
}

/** The log entries of one keyframe (written in one go, so they commit together with consecutive ids). */
export function keyframeEntries(picture: KeyframePicture): NewSocketLog[] {
  return keyframeParts(picture).map((part) => ({
    eventType: KEYFRAME_EVENT,
    socketId: 'core',
    userId: 'replay',
    userRole: 'system',
    eventData: part,
    status: 'success',
    processed: true
  }));
}

/** Joins the parts of one keyframe back into a picture; null when a part is missing or unreadable. */
export function joinKeyframe(parts: readonly KeyframePart[]): KeyframePicture | null {
  if (parts.length === 0) return null;
  const sorted = [...parts].sort((a, b) => a.part - b.part);
  const first = sorted[0]!;
  if (sorted.length !== first.parts || sorted.some((p, i) => p.part !== i || p.kf !== first.kf)) return null;
  const lists = Object.fromEntries(LISTS.map((l) => [l, sorted.flatMap((p) => p.lists?.[l] ?? [])])) as Pick<KeyframePicture, ListName>;
  return {
    at: first.at,
    reason: first.reason,
    cad: first.cad,
    synced_at: first.synced_at,
    cad_link: first.cad_link,
    metrics: first.metrics ?? {},
    crew_units: first.crew_units ?? {},
    ...lists
  };
}
