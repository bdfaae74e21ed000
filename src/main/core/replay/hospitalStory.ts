import type Sqlite from 'better-sqlite3';
import type { IncidentReport } from '../../../shared/contract/replay';
import { REQUEST_LINKED_EVENT, REQUEST_STEP_EVENTS } from '../hospitals/ambulanceRequests';
import { parseJson, type StoryRow } from './pictureState';

/** How long after a request its hospital steps are looked for (offers time out within minutes). */
const REQUEST_SPAN_MS = 6 * 3_600_000;

const stepTypes = REQUEST_STEP_EVENTS.map((t) => `'${t}'`).join(',');

/**
 * The rows of the ambulance requests an operator linked to this incident: the
 * link itself, the patient's request, every offer to a hospital and every
 * answer (or silence) until one accepted or none did.
 */
export function hospitalRows(sqlite: Sqlite.Database, incidentId: string): StoryRow[] {
  const links = sqlite
    .prepare(`SELECT * FROM socket_logs WHERE event_type = '${REQUEST_LINKED_EVENT}' AND json_extract(event_data, '$.incident_id') = ? ORDER BY id`)
    .all(incidentId) as StoryRow[];
  const byId = new Map<number, StoryRow>(links.map((r) => [Number(r.id), r]));
  const requestRow = sqlite.prepare("SELECT * FROM socket_logs WHERE id = ? AND event_type = 'ambulance_request'");
  const steps = sqlite.prepare(
    `SELECT * FROM socket_logs WHERE event_type IN (${stepTypes}) AND created_at >= ? AND created_at <= ?
     AND (json_extract(event_data, '$.request_id') = ? OR json_extract(response_data, '$.request_id') = ?) ORDER BY id`
  );
  for (const link of links) {
    const data = parseJson(link.event_data) as { request_id?: string; request_log_id?: number | null } | null;
    if (!data?.request_id) continue;
    const request = data.request_log_id ? (requestRow.get(data.request_log_id) as StoryRow | undefined) : undefined;
    if (request) byId.set(Number(request.id), request);
    const from = Number(request?.created_at ?? link.created_at) - 1;
    for (const row of steps.all(from, from + REQUEST_SPAN_MS, data.request_id, data.request_id) as StoryRow[]) byId.set(Number(row.id), row);
  }
  return [...byId.values()].sort((a, b) => Number(a.id) - Number(b.id));
}

const REQUEST_ROW_TYPES = new Set<string>(['ambulance_request', REQUEST_LINKED_EVENT, ...REQUEST_STEP_EVENTS]);
export const isHospitalRow = (row: StoryRow): boolean => REQUEST_ROW_TYPES.has(row.event_type);

const hospitalOf = (row: StoryRow) => (typeof row.hospital_name === 'string' ? row.hospital_name : typeof row.hospital_id === 'string' ? row.hospital_id : null);

/** One line of the report's hospital section for a request row (null for rows that are not about hospitals). */
export function hospitalStep(row: StoryRow, at: string): IncidentReport['hospital'][number] | null {
  const data = (parseJson(row.event_data) ?? {}) as { response?: string; reason?: string; eta_minutes?: number; attempt?: number; request_id?: string };
  const hospital = hospitalOf(row);
  const log_id = Number(row.id);
  const line = (what: string, name: string | null = hospital) => ({ at, what, hospital: name, log_id });
  switch (row.event_type) {
    case 'ambulance_request':
      return line(`Ambulance requested by patient ${row.user_id ?? 'unknown'}`, null);
    case REQUEST_LINKED_EVENT:
      return line(`Request ${data.request_id ?? ''} linked to this incident by ${row.user_id ?? 'an operator'}`, null);
    case 'ambulance_request_offered':
      return line(`Offered to ${hospital ?? 'a hospital'}${data.attempt ? ` (attempt ${data.attempt})` : ''}`);
    case 'hospital_response':
      return line(
        data.response === 'accepted'
          ? `${hospital ?? 'Hospital'} answered: accepted${typeof data.eta_minutes === 'number' ? `, ETA ${data.eta_minutes} min` : ''}`
          : `${hospital ?? 'Hospital'} answered: declined${data.reason ? ` (${data.reason})` : ''}`
      );
    case 'ambulance_request_timeout':
      return line(`${hospital ?? 'Hospital'} did not answer in time`);
    case 'ambulance_accepted':
      return line(`Accepted by ${hospital ?? 'a hospital'}`);
    case 'ambulance_rejected':
      return line(`No hospital took the request${data.reason ? `: ${data.reason}` : ''}`, null);
    default:
      return null;
  }
}

/**
 * The report's lines for the request rows, request by request, in the order things happened: the
 * request, then each offer followed by that hospital's answer or silence, then the outcome and the
 * link. (A declining answer's row is written after the next offer it caused, so log order would put
 * the offer first.)
 */
export function hospitalLines(rows: readonly StoryRow[]): IncidentReport['hospital'] {
  const requestOf = (row: StoryRow) => {
    const data = (parseJson(row.event_data) ?? {}) as { request_id?: string };
    return data.request_id ?? ((parseJson(row.response_data as string | null) ?? {}) as { request_id?: string }).request_id ?? null;
  };
  const links = rows.filter((r) => r.event_type === REQUEST_LINKED_EVENT);
  const line = (row: StoryRow) => hospitalStep(row, new Date(Number(row.created_at)).toISOString());
  const out: IncidentReport['hospital'] = [];
  for (const link of links) {
    const data = (parseJson(link.event_data) ?? {}) as { request_id?: string; request_log_id?: number };
    const mine = rows.filter((r) => r !== link && (requestOf(r) === data.request_id || Number(r.id) === data.request_log_id));
    const request = mine.find((r) => r.event_type === 'ambulance_request');
    const answers = mine.filter((r) => r.event_type === 'hospital_response' || r.event_type === 'ambulance_request_timeout');
    const ordered = [...(request ? [request] : [])];
    for (const offer of mine.filter((r) => r.event_type === 'ambulance_request_offered')) {
      ordered.push(offer);
      const answer = answers.find((a) => a.hospital_id === offer.hospital_id && !ordered.includes(a));
      if (answer) ordered.push(answer);
    }
    ordered.push(...mine.filter((r) => !ordered.includes(r) && r.event_type !== 'ambulance_request'), link);
    for (const row of ordered) if (!out.some((l) => l.log_id === Number(row.id))) out.push(line(row)!);
  }
  return out;
}
