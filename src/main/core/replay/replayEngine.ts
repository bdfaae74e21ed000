import type Sqlite from 'better-sqlite3';
import type { ReplayChange, ReplayChain, ReplayPicture } from '../../../shared/contract/replay';
import { verifyRowRange } from './chainRange';
import { joinKeyframe, KEYFRAME_EVENT, type KeyframePart, type KeyframePicture } from './keyframe';
import { cadItems, createReplayState, emptyEffect, parseJson, PICTURE_EVENTS, type CadItem, type ReplayRow, type ReplayState, type RowEffect } from './pictureState';

/** How far around a keyframe's first part its other parts may be dated (they are written in one go). */
const PART_WINDOW_MS = 10_000;
/** Longest a keyframe's rows may follow the moment its picture was taken (deflating, then the group commit). */
const WRITE_WINDOW_MS = 30_000;
/** Keyframes tried before giving up on a damaged one and starting from nothing. */
const KEYFRAME_TRIES = 5;
/** Most changes one `replay.events` answer carries (the console asks again from the last). */
export const MAX_CHANGES = 20_000;
/** A range ending this long ago has all its rows committed (group commits take milliseconds). */
const SETTLED_MS = 5_000;

export interface LoadedKeyframe {
  picture: KeyframePicture;
  firstId: number;
  lastId: number;
  createdAt: number;
  /** When the picture was taken: its rows are written a moment later (deflated off the event loop). */
  takenAt: number;
}

/** The picture at a moment, with the state it came from (for played ranges and reports). */
export interface Rebuilt {
  picture: ReplayPicture;
  state: ReplayState;
  /** Last log row at or before the moment. */
  lastId: number;
}

export interface ReplayEngine {
  at(at: number): Rebuilt;
  changes(from: number, to: number): { changes: ReplayChange[]; truncated: boolean; chain: ReplayChain };
  /** The last row id at or before a moment (0 when none). */
  lastIdAt(at: number): number;
  sqlite: Sqlite.Database;
  key: Buffer;
}

const typeList = PICTURE_EVENTS.map((t) => `'${t}'`).join(',');

/**
 * Rebuilds the control room at any moment from the socket log alone: the
 * nearest complete keyframe before it, then the picture's own rows after it, in
 * the order they happened (CAD events in the CAD's sequence, as the live
 * picture applied them). Reads only; every read stays on one connection.
 */
export function createReplayEngine(sqlite: Sqlite.Database, key: Buffer): ReplayEngine {
  const keyframeBefore = sqlite.prepare(
    `SELECT id, created_at, event_data FROM socket_logs WHERE event_type = '${KEYFRAME_EVENT}' AND created_at <= ? AND id < ? ORDER BY created_at DESC, id DESC LIMIT 1`
  );
  const keyframePartsByTime = sqlite.prepare(
    `SELECT id, created_at, event_data FROM socket_logs WHERE event_type = '${KEYFRAME_EVENT}' AND created_at >= ? AND created_at <= ? ORDER BY id`
  );
  const keyframePartsById = sqlite.prepare(`SELECT id, created_at, event_data FROM socket_logs WHERE id >= ? AND id <= ? AND event_type = '${KEYFRAME_EVENT}' ORDER BY id`);
  const rowsBetween = sqlite.prepare(
    `SELECT id, created_at, event_type, user_id, user_role, socket_id, event_data, status FROM socket_logs
     WHERE event_type IN (${typeList}) AND created_at >= ? AND created_at <= ? AND id > ? ORDER BY id`
  );
  const lastAt = sqlite.prepare('SELECT id FROM socket_logs WHERE created_at <= ? ORDER BY created_at DESC, id DESC LIMIT 1');
  const lastIdAt = (at: number) => Number((lastAt.get(at) as { id: number } | undefined)?.id ?? 0);

  type KeyframeRow = { id: number; created_at: number; event_data: string };
  const partsOf = (head: KeyframeRow, headPart: KeyframePart): Array<{ row: KeyframeRow; part: KeyframePart }> => {
    const read = (rows: KeyframeRow[]) =>
      rows.flatMap((row) => {
        const part = row.id === head.id ? headPart : (parseJson(row.event_data) as KeyframePart | null);
        return part?.kf === headPart.kf ? [{ row, part }] : [];
      });
    // The parts are queued in one go, so they normally have consecutive ids: read them by id.
    const first = Number(head.id) - headPart.part;
    const byId = read(keyframePartsById.all(first, first + headPart.parts - 1) as KeyframeRow[]);
    if (byId.length === headPart.parts) return byId;
    return read(keyframePartsByTime.all(head.created_at - PART_WINDOW_MS, head.created_at + PART_WINDOW_MS) as KeyframeRow[]);
  };

  const loadKeyframe = (at: number): LoadedKeyframe | null => {
    let beforeId = Number.MAX_SAFE_INTEGER;
    let tries = 0;
    // A keyframe's rows are written a moment after its picture was taken: one taken before `at` may be
    // dated a little after it, so the search starts WRITE_WINDOW_MS later and goes by when it was taken.
    while (tries < KEYFRAME_TRIES) {
      const head = keyframeBefore.get(at + WRITE_WINDOW_MS, beforeId) as KeyframeRow | undefined;
      if (!head) return null;
      const headPart = parseJson(head.event_data) as KeyframePart | null;
      const takenAt = Date.parse(headPart?.at ?? '');
      if (!headPart || !(takenAt <= Math.min(at, head.created_at))) {
        beforeId = Number(head.id);
        if (!headPart || head.created_at <= at) tries += 1;
        continue;
      }
      tries += 1;
      const parts = partsOf(head, headPart);
      const picture = joinKeyframe(parts.map((p) => p.part));
      if (picture) return { picture, firstId: Number(parts[0]!.row.id), lastId: Number(parts.at(-1)!.row.id), createdAt: Number(head.created_at), takenAt };
      beforeId = Number(parts[0]?.row.id ?? head.id);
    }
    return null;
  };

  /** Rows after the keyframe up to `to`, with the CAD events in the CAD's own order. */
  const ordered = (afterId: number, from: number, to: number): Array<{ row: ReplayRow; cad: CadItem | null }> => {
    const rows = rowsBetween.all(from, to, afterId) as ReplayRow[];
    const out: Array<{ row: ReplayRow; cad: CadItem | null }> = [];
    const cadSlots: number[] = [];
    const cad: CadItem[] = [];
    for (const row of rows) {
      if (!row.event_type.startsWith('cad:')) {
        out.push({ row, cad: null });
        continue;
      }
      for (const item of cadItems(row)) {
        cadSlots.push(out.length);
        cad.push(item);
        out.push({ row, cad: item });
      }
    }
    // The bridge logs each event type's batch on its own, so rows of one turn are not in the CAD's
    // order; the events keep their slots and are put back in sequence order (per epoch, in order of appearance).
    const epochs = new Map<string, number>();
    const rank = (c: CadItem) => {
      const p = c.payload as { epoch?: string; seq?: number };
      const epoch = p.epoch ?? '';
      if (!epochs.has(epoch)) epochs.set(epoch, epochs.size);
      return [epochs.get(epoch)!, p.seq ?? 0] as const;
    };
    const ranked = cad.map((c, i) => ({ c, i, r: rank(c) }));
    ranked.sort((a, b) => a.r[0] - b.r[0] || a.r[1] - b.r[1] || a.i - b.i);
    cadSlots.forEach((slot, i) => {
      out[slot] = { row: out[slot]!.row, cad: ranked[i]!.c };
    });
    return out;
  };

  const applyOne = (state: ReplayState, item: { row: ReplayRow; cad: CadItem | null }, effect: RowEffect) => {
    if (item.cad) state.applyCad(item.cad, effect);
    else state.applyRow(item.row, effect);
  };

  /** Where the last played range ended, and the state there. */
  let played: { to: number; state: ReplayState; lastId: number } | null = null;

  const rebuild = (at: number): Rebuilt & { kf: LoadedKeyframe | null; firstRead: number } => {
    const kf = loadKeyframe(at);
    const state = createReplayState(kf?.picture ?? null);
    // Every picture row from the moment the picture was taken, including those logged while its rows were
    // being prepared (their ids come before the keyframe's). Re-applying a row of the picture's own
    // millisecond is harmless: CAD events up to the keyframe's position are skipped, the rest set state.
    const items = ordered(0, kf?.takenAt ?? 0, at);
    const effect = emptyEffect();
    for (const item of items) applyOne(state, item, effect);
    const lastId = lastIdAt(at);
    const firstRead = Math.min(kf?.firstId ?? 1, items.length ? Number(items[0]!.row.id) : Number.MAX_SAFE_INTEGER);
    // The keyframe's own rows may come just after the moment (see loadKeyframe): they are checked too.
    const chain = verifyRowRange(sqlite, key, firstRead, Math.max(lastId, kf?.lastId ?? 0));
    const snapshot = state.dispatch.snapshot();
    const picture: ReplayPicture = {
      at: new Date(at).toISOString(),
      keyframe: kf ? { id: kf.firstId, at: kf.picture.at, reason: kf.picture.reason } : null,
      units: snapshot.units,
      incidents: snapshot.incidents,
      crew_positions: state.crewPositions(),
      metrics: snapshot.metrics,
      alerts: state.alerts(),
      connections: state.connections(),
      cad_link: state.cadLink(),
      rows_applied: items.length,
      chain
    };
    return { picture, state, lastId, kf, firstRead };
  };

  return {
    sqlite,
    key,
    lastIdAt,
    at: (at) => rebuild(at),
    changes(from, to) {
      // Playing asks for one range after another: the next one starts from where the last left off.
      const resumed = played && played.to === from ? played : null;
      played = null;
      const rebuilt = resumed ? null : rebuild(from);
      const state = resumed?.state ?? rebuilt!.state;
      const afterId = resumed?.lastId ?? rebuilt!.lastId;
      const items = ordered(afterId, from, to);
      const changes: ReplayChange[] = [];
      let truncated = false;
      for (const item of items) {
        const effect = emptyEffect();
        applyOne(state, item, effect);
        if (!effect.units.size && !effect.crews.size && !effect.incidents.size && !effect.alerts && !effect.connections && !effect.cadLink) continue;
        if (changes.length >= MAX_CHANGES) {
          truncated = true;
          break;
        }
        const { dispatch } = state;
        changes.push({
          at: new Date(item.row.created_at).toISOString(),
          log_id: Number(item.row.id),
          units: [...effect.units].flatMap((id) => dispatch.unit(id) ?? []),
          incidents: [...effect.incidents].flatMap((id) => dispatch.incident(id) ?? []),
          crew_positions: [...effect.crews].flatMap((id) => state.crewPosition(id) ?? []),
          ...(effect.alerts ? { alerts: state.alerts() } : {}),
          ...(effect.connections ? { connections: state.connections() } : {}),
          ...(effect.cadLink ? { cad_link: state.cadLink() } : {})
        });
      }
      const lastId = truncated ? (changes.at(-1)?.log_id ?? afterId) : lastIdAt(to);
      const chain = verifyRowRange(sqlite, key, resumed ? resumed.lastId + 1 : rebuilt!.firstRead, lastId);
      // Kept only for a range wholly in the past: rows still arriving could otherwise fall between two ranges.
      if (!truncated && chain.ok && to < Date.now() - SETTLED_MS) played = { to, state, lastId };
      return { changes, truncated, chain };
    }
  };
}
