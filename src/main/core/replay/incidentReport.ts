import { createHash } from 'node:crypto';
import type Sqlite from 'better-sqlite3';
import { isOpenIncidentStatus, type Incident } from '../../../shared/cad';
import type { IncidentReport } from '../../../shared/contract/replay';
import { DEFAULT_RUN_CARDS, RunCardsSchema } from '../../../shared/contract/runCards';
import { DEFAULT_STATUS_THRESHOLDS, incidentThreshold, StatusThresholdsSchema } from '../../../shared/contract/statusThresholds';
import { indexRunCards } from '../dispatch/runCards';
import type { LogKeys } from '../log/store/chain';
import { signManifest } from '../log/integrity/manifest';
import { RECORD_COLUMNS, toRecord, type RecordRow } from '../log/store/record';
import { AppError } from '../errors';
import { verifyRowRange } from './chainRange';
import { criticalAlertRows, incidentRows, reassignments, tellStory } from './incidentStory';
import { hospitalRows } from './hospitalStory';
import { settingAsOf } from './settingAsOf';
import type { ReplayEngine } from './replayEngine';

/** Units listed per decision: what the console's suggestions showed. */
const CONSIDERED = 4;

/** The four intervals a medical director reviews, each against the threshold of the status it is spent in. */
const INTERVALS = [
  { name: 'call to dispatch', from: 'call_received', to: 'dispatched', status: 'pending' },
  { name: 'dispatch to en route', from: 'dispatched', to: 'en_route', status: 'dispatched' },
  { name: 'en route to scene', from: 'en_route', to: 'on_scene', status: 'en_route' },
  { name: 'wall time at destination', from: 'at_destination', to: 'transfer_of_care', status: 'at_destination' }
] as const;

/**
 * Each interval against the thresholds the centre had when it ended (the moment
 * a console would have shown it amber or red), read from the log's setting changes.
 */
function intervalsOf(sqlite: Sqlite.Database, incident: Incident | null, until: number): IncidentReport['intervals'] {
  if (!incident) return [];
  return INTERVALS.map((i) => {
    const from = incident.timestamps[i.from];
    const to = incident.timestamps[i.to];
    const seconds = from && to ? Math.round((Date.parse(to) - Date.parse(from)) / 1000) : null;
    const thresholds = settingAsOf(sqlite, 'status_thresholds', to ? Date.parse(to) : until, { schema: StatusThresholdsSchema, defaults: DEFAULT_STATUS_THRESHOLDS });
    const t = incidentThreshold(thresholds, incident.priority, i.status);
    const verdict = seconds === null || !t ? null : seconds > t.alarm ? 'red' : seconds > t.warn ? 'amber' : 'within';
    return { name: i.name, from: i.from, to: i.to, seconds, warn_seconds: t?.warn ?? null, alarm_seconds: t?.alarm ?? null, verdict };
  });
}

/** The evidence file: the report's rows as the log's NDJSON export writes them, one per line. */
function evidenceOf(rows: ReadonlyArray<Record<string, unknown>>): string {
  return rows.map((r) => `${JSON.stringify(toRecord(Object.fromEntries(RECORD_COLUMNS.map((c) => [c, r[c]])) as RecordRow))}\n`).join('');
}

/**
 * An incident's whole story from the log: its eTimes, who did what and when,
 * the units considered at each assignment (replayed as the console showed them),
 * the hospital offers and answers of the ambulance requests linked to it, intervals against the centre's thresholds, the chain check
 * over every row it rests on, and a signed manifest of those rows.
 */
export function buildIncidentReport(engine: ReplayEngine, keys: LogKeys, incidentId: string, actor: string): { report: IncidentReport; evidence: string } {
  const { sqlite } = engine;
  const naming = incidentRows(sqlite, incidentId);
  if (naming.length === 0) throw new AppError('NOT_FOUND', `The log holds no CAD event about incident ${incidentId}; check the id (or retention removed its rows).`);
  const lastAt = Number(naming.at(-1)!.created_at);
  const final = engine.at(lastAt).picture.incidents.find((i) => i.id === incidentId) ?? null;
  // An incident still open has its story going on: alerts up to now belong to it.
  const until = final && isOpenIncidentStatus(final.status) ? Date.now() : lastAt;
  const onCall = (unit: string, at: number) => engine.at(at).picture.units.find((u) => u.id === unit)?.incident_id === incidentId;
  const reassigned = reassignments(sqlite, naming, incidentId, until, onCall);
  const rows = [
    ...new Map([...naming, ...criticalAlertRows(sqlite, Number(naming[0]!.created_at), until), ...hospitalRows(sqlite, incidentId), ...reassigned.map((r) => r.row)].map((r) => [Number(r.id), r])).values()
  ].sort((a, b) => Number(a.id) - Number(b.id));
  const story = tellStory(rows, incidentId, final, reassigned);

  const decisions = story.decisions.map((d) => {
    const { state } = engine.at(d.at);
    // Ranked by the run cards the dispatcher had at that moment, as the console showed them then.
    const cards = indexRunCards(settingAsOf(sqlite, 'run_cards', d.at, { schema: RunCardsSchema, defaults: DEFAULT_RUN_CARDS }));
    const considered = state.dispatch.suggestUnits(incidentId, CONSIDERED, cards).map((s) => ({
      unit_id: s.unit.id,
      call_sign: s.unit.call_sign,
      distance_km: s.distance_km,
      run_card: s.run_card
    }));
    return { at: new Date(d.at).toISOString(), assigned: d.unit, considered };
  });

  const firstId = Number(rows[0]!.id);
  const lastId = Number(rows.at(-1)!.id);
  const chain = verifyRowRange(sqlite, keys.mac, firstId, lastId);
  const evidence = evidenceOf(rows);
  const head = sqlite.prepare("SELECT head_id, head_mac, record_count FROM socket_log_chains WHERE chain = 'rows'").get() as { head_id: number; head_mac: Buffer; record_count: number };
  const manifest = signManifest(keys, {
    format: 'switchboard-socket-log-export/1',
    file_format: 'ndjson',
    sha256: createHash('sha256').update(evidence).digest('hex'),
    bytes: Buffer.byteLength(evidence),
    row_count: rows.length,
    first_id: firstId,
    last_id: lastId,
    filters: { incident_id: incidentId, report: 'incident' },
    chain_head: { id: Number(head.head_id), mac: head.head_mac.toString('hex'), record_count: Number(head.record_count) },
    created_at: new Date().toISOString(),
    created_by: actor
  });
  const report: IncidentReport = {
    format: 'switchboard-incident-report/1',
    incident: story.incident,
    incident_id: incidentId,
    generated_at: new Date().toISOString(),
    generated_by: actor,
    times: story.times,
    steps: story.steps,
    decisions,
    hospital: story.hospital,
    intervals: intervalsOf(sqlite, story.incident, until),
    chain,
    evidence: { rows: rows.length, first_id: firstId, last_id: lastId, manifest }
  };
  return { report, evidence };
}
