import type Sqlite from 'better-sqlite3';
import type { TimelineMark } from '../../../shared/contract/replay';
import { KEYFRAME_EVENT, type KeyframePart } from './keyframe';
import { cadItems, parseJson, type ReplayRow } from './pictureState';

/** Most marks one answer carries; a longer range is marked up to there and says it was cut. */
export const MAX_MARKS = 5_000;
const MARK_EVENTS = ['cad:incident:new', 'cad:assignment:received', 'alert_raised', 'alert_cleared', KEYFRAME_EVENT];

type AlertData = { key?: string; severity?: string; title?: string };

/** The marks one row makes on the timeline (none for most rows). */
function marksOf(row: ReplayRow): Array<Omit<TimelineMark, 'log_id'>> {
  const at = new Date(row.created_at).toISOString();
  if (row.event_type === 'cad:incident:new') {
    return cadItems(row).map(({ payload }) => {
      const incident = (payload as { incident: { id: string; priority: number; type: string } }).incident;
      return { at, kind: 'incident' as const, label: `P${incident.priority} ${incident.type} (${incident.id})` };
    });
  }
  if (row.event_type === 'cad:assignment:received') {
    return cadItems(row).map(({ payload }) => {
      const p = payload as { unit_id: string; incident_id: string };
      return { at, kind: 'assignment' as const, label: `${p.unit_id} assigned to ${p.incident_id}` };
    });
  }
  if (row.event_type === KEYFRAME_EVENT) {
    const part = parseJson(row.event_data) as KeyframePart | null;
    if (part?.part !== 0 || part.reason === 'periodic') return [];
    return [{ at, kind: part.reason === 'start' ? ('hub_start' as const) : ('resync' as const), label: part.reason === 'start' ? 'Core started' : 'Picture resynchronised from the CAD' }];
  }
  const alert = parseJson(row.event_data) as AlertData | null;
  if (!alert?.key) return [];
  const raised = row.event_type === 'alert_raised';
  if (alert.key === 'cad_link') return [{ at, kind: raised ? 'cad_down' : 'cad_up', label: raised ? 'CAD link down' : 'CAD link back' }];
  if (!raised) return [];
  if (alert.key.startsWith('stale:')) return [{ at, kind: 'stale', label: alert.title ?? alert.key }];
  if (alert.severity === 'critical') return [{ at, kind: 'alert', label: alert.title ?? alert.key }];
  return [];
}

/** Marks between two moments, oldest first, read through the (event_type, created_at) index. */
export function timelineMarks(sqlite: Sqlite.Database, from: number, to: number): { marks: TimelineMark[]; truncated: boolean } {
  const rows = sqlite
    .prepare(
      `SELECT id, created_at, event_type, user_id, user_role, socket_id, event_data, status FROM socket_logs
       WHERE event_type IN (${MARK_EVENTS.map((t) => `'${t}'`).join(',')}) AND created_at >= ? AND created_at <= ? ORDER BY created_at, id`
    )
    .iterate(from, to) as IterableIterator<ReplayRow>;
  const marks: TimelineMark[] = [];
  for (const row of rows) {
    for (const mark of marksOf(row)) {
      if (marks.length >= MAX_MARKS) return { marks, truncated: true };
      marks.push({ ...mark, log_id: Number(row.id) });
    }
  }
  return { marks, truncated: false };
}
