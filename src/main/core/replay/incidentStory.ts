import type Sqlite from 'better-sqlite3';
import type { Incident } from '../../../shared/cad';
import type { IncidentReport } from '../../../shared/contract/replay';
import { REQUEST_LINKED_EVENT } from '../hospitals/ambulanceRequests';
import { hospitalLines, hospitalStep, isHospitalRow } from './hospitalStory';
import { cadItems, parseJson, type StoryRow } from './pictureState';

export type { StoryRow } from './pictureState';

/** How long after the call the report looks for the incident's rows. */
const STORY_SPAN_MS = 24 * 3_600_000;
const ETIMES: Record<string, string> = {
  call_received: 'eTimes.03',
  dispatched: 'eTimes.04',
  unit_notified: 'eTimes.05',
  en_route: 'eTimes.06',
  on_scene: 'eTimes.07',
  at_patient: 'eTimes.08',
  left_scene: 'eTimes.10',
  at_destination: 'eTimes.11',
  transfer_of_care: 'eTimes.12',
  back_in_service: 'eTimes.13'
};
export const etimesOf = (name: string) => ETIMES[name] ?? null;

const iso = (ms: number) => new Date(ms).toISOString();
/** Outbound rows name the operator as `operator:<username>` (the outbox's requestedBy). */
const person = (userId: string | null) => (userId ? userId.replace(/^operator:/, '') : null);
const words = (s: string) => s.replace(/_/g, ' ');

/** Every CAD event and outbound action naming the incident, from the first, for at most a day. */
export function incidentRows(sqlite: Sqlite.Database, incidentId: string): StoryRow[] {
  const needle = JSON.stringify(incidentId);
  const first = sqlite
    .prepare("SELECT created_at FROM socket_logs WHERE event_type LIKE 'cad:%' AND instr(coalesce(event_data, '') || coalesce(request_data, ''), ?) > 0 ORDER BY id LIMIT 1")
    .get(needle) as { created_at: number } | undefined;
  if (!first) return [];
  const from = Number(first.created_at);
  return sqlite
    .prepare(
      `SELECT * FROM socket_logs WHERE created_at >= ? AND created_at <= ? AND event_type LIKE 'cad:%'
       AND instr(coalesce(event_data, '') || coalesce(request_data, ''), ?) > 0 ORDER BY id`
    )
    .all(from, from + STORY_SPAN_MS, needle) as StoryRow[];
}

/** The critical alerts' rows (raised, receipts, acknowledged) while the incident was open. */
export function criticalAlertRows(sqlite: Sqlite.Database, from: number, to: number): StoryRow[] {
  return sqlite
    .prepare(
      `SELECT * FROM socket_logs WHERE event_type IN ('alert_raised','alert_delivered','alert_displayed','alert_acknowledged','alert_escalated','alert_cleared')
       AND created_at >= ? AND created_at <= ? AND instr(event_data, '"severity":"critical"') > 0 ORDER BY id`
    )
    .all(from, to) as StoryRow[];
}

/** A crew taken off this call for another while it was on it (the CAD diverted it). */
export interface Reassignment {
  row: StoryRow;
  unit: string;
  to: string;
  at: string;
}

/**
 * The CAD's assignments of this call's units to other calls, from the call's
 * first row until `until`. Those rows do not name this call, so they are looked
 * for by unit; `wasOnCall` (the replayed picture just before) tells a diversion
 * from a crew that finished here and was later sent elsewhere.
 */
export function reassignments(sqlite: Sqlite.Database, naming: readonly StoryRow[], incidentId: string, until: number, wasOnCall: (unit: string, at: number) => boolean): Reassignment[] {
  if (!naming.length) return [];
  const units = new Set<string>();
  for (const row of naming) {
    for (const { event, payload } of cadItems(row)) {
      const p = payload as unknown as Record<string, unknown>;
      if (event === 'assignment:received' && p.incident_id === incidentId && typeof p.unit_id === 'string') units.add(p.unit_id);
    }
  }
  if (!units.size) return [];
  const from = Number(naming[0]!.created_at);
  const to = Math.min(until, from + STORY_SPAN_MS);
  const query = sqlite.prepare("SELECT * FROM socket_logs WHERE event_type = 'cad:assignment:received' AND created_at >= ? AND created_at <= ? AND instr(event_data, ?) > 0 ORDER BY id");
  const found: Reassignment[] = [];
  for (const unit of units) {
    for (const row of query.all(from, to, JSON.stringify(unit)) as StoryRow[]) {
      for (const { payload } of cadItems(row)) {
        const p = payload as unknown as Record<string, unknown>;
        if (p.unit_id !== unit || typeof p.incident_id !== 'string' || p.incident_id === incidentId) continue;
        const at = typeof p.at === 'string' ? p.at : iso(Number(row.created_at));
        if (wasOnCall(unit, Number(row.created_at) - 1)) found.push({ row, unit, to: p.incident_id, at });
      }
    }
  }
  return found;
}

/** One CAD event of the story told in a sentence (null when it is not about this incident). */
function cadStep(event: string, p: Record<string, unknown>, incidentId: string): { what: string; by: string | null } | null {
  const unit = typeof p.unit_id === 'string' ? p.unit_id : null;
  switch (event) {
    case 'incident:new': {
      const i = p.incident as Incident;
      return i.id === incidentId ? { what: `Call received: P${i.priority} ${i.type}, ${i.address}`, by: null } : null;
    }
    case 'assignment:received':
      return p.incident_id === incidentId ? { what: `${unit} assigned (CAD confirmed)`, by: null } : null;
    case 'incident:status:updated':
      return p.incident_id === incidentId ? { what: `Incident ${words(String(p.status))}`, by: null } : null;
    case 'incident:timestamp:updated':
      return p.incident_id === incidentId ? { what: `${words(String(p.name))}${unit ? ` (${unit})` : ''}`, by: null } : null;
    case 'unit:status:updated':
      return p.incident_id === incidentId ? { what: `${unit} ${words(String(p.status))}`, by: null } : null;
    case 'transport:completed':
      return p.incident_id === incidentId ? { what: `Transport completed${p.destination ? ` at ${String(p.destination)}` : ''} (${unit})`, by: null } : null;
    case 'incident:note:added': {
      const note = p.note as { text: string; author: string | null };
      return p.incident_id === incidentId ? { what: `Note: ${note.text}`, by: note.author } : null;
    }
    default:
      return null;
  }
}

export interface Story {
  steps: IncidentReport['steps'];
  hospital: IncidentReport['hospital'];
  /** When each assignment decision was taken (the operator's request, or the CAD's confirmation) and which unit. */
  decisions: Array<{ at: number; unit: string }>;
  times: IncidentReport['times'];
  incident: Incident | null;
}

/** Tells the story from the rows: steps with who, hospital answers, decisions and eTimes. */
export function tellStory(rows: readonly StoryRow[], incidentId: string, finalIncident: Incident | null, reassigned: readonly Reassignment[] = []): Story {
  const story: Story = { steps: [], hospital: [], decisions: [], times: [], incident: finalIncident };
  for (const r of reassigned) story.steps.push({ at: r.at, what: `${r.unit} reassigned to ${r.to} (CAD)`, by: null, log_id: Number(r.row.id) });
  const confirmed = new Set<string>();
  const requestRows: StoryRow[] = [];
  for (const row of rows) {
    const logId = Number(row.id);
    const at = iso(Number(row.created_at));
    if (row.event_type.startsWith('cad:out:')) {
      const body = (parseJson(row.request_data) ?? {}) as Record<string, unknown>;
      const event = row.event_type.slice(8);
      // The operator acted when the message was queued: its delivery came response_time_ms later.
      const asked = Number(row.created_at) - Number(row.response_time_ms ?? 0);
      const outcome = row.status === 'success' ? 'delivered to the CAD' : `not delivered (${String(row.error_message ?? 'rejected')})`;
      story.steps.push({ at: iso(asked), what: `Sent ${event}${body.unit_id ? ` for ${String(body.unit_id)}` : ''}${body.status ? ` (${words(String(body.status))})` : ''}: ${outcome}`, by: person(row.user_id), log_id: logId });
      if (event === 'assignment:send' && typeof body.unit_id === 'string') story.decisions.push({ at: asked, unit: body.unit_id });
      if (event === 'transport:completed:notify') story.hospital.push({ at: iso(asked), what: 'Destination notified', hospital: typeof body.destination === 'string' ? body.destination : null, log_id: logId });
      continue;
    }
    if (isHospitalRow(row)) {
      requestRows.push(row);
      if (row.event_type === REQUEST_LINKED_EVENT) story.steps.push({ at, what: hospitalStep(row, at)!.what, by: person(row.user_id), log_id: logId });
      continue;
    }
    if (row.event_type.startsWith('alert_')) {
      const alert = (parseJson(row.event_data) ?? {}) as { title?: string };
      story.steps.push({ at, what: `Critical alert ${words(row.event_type.slice(6))}: ${alert.title ?? ''}`, by: row.event_type === 'alert_raised' ? null : person(row.user_id), log_id: logId });
      continue;
    }
    for (const { event, payload } of cadItems(row)) {
      const p = payload as unknown as Record<string, unknown>;
      const step = cadStep(event, p, incidentId);
      if (!step) continue;
      story.steps.push({ at: typeof p.at === 'string' ? p.at : at, what: step.what, by: step.by, log_id: logId });
      if (event === 'incident:new') story.incident ??= p.incident as Incident;
      if (event === 'assignment:received' && typeof p.unit_id === 'string' && !story.decisions.some((d) => d.unit === p.unit_id)) {
        confirmed.add(p.unit_id);
        story.decisions.push({ at: Number(row.created_at) - 1, unit: p.unit_id });
      }
      if (event === 'transport:completed') story.hospital.push({ at, what: 'Transport completed', hospital: typeof p.destination === 'string' ? p.destination : null, log_id: logId });
    }
  }
  story.steps.sort((a, b) => a.at.localeCompare(b.at) || a.log_id - b.log_id);
  story.decisions.sort((a, b) => a.at - b.at);
  // The ambulance requests came before the transport; each request's lines in the order things happened.
  story.hospital = [...hospitalLines(requestRows), ...story.hospital];
  const timestamps = finalIncident?.timestamps ?? story.incident?.timestamps ?? {};
  story.times = Object.entries(timestamps)
    .filter((e): e is [string, string] => typeof e[1] === 'string')
    .map(([name, at]) => ({ name, etimes: etimesOf(name), at }))
    .sort((a, b) => a.at.localeCompare(b.at));
  return story;
}
