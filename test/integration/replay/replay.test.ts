import Sqlite from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import type { CadSimulator } from '../../../src/main/cadsim/cadSimulator';
import type { CallContext } from '../../../src/main/core/contract/registry';
import { joinKeyframe, KEYFRAME_EVENT, type KeyframePart } from '../../../src/main/core/replay/keyframe';
import { verifyLogFile } from '../../../src/main/core/log/integrity/verify';
import { io as connectIo } from 'socket.io-client';
import fs from 'node:fs';
import path from 'node:path';
import { loadLogKeys } from '../../../src/main/core/log/store/chain';
import { verifyExportFile } from '../../../src/main/core/log/integrity/manifest';
import { tempDir, tokenFor, type TestCore } from '../../helpers/core';
import { emitAck } from '../hub/hubHelpers';
import { DEFAULT_STATUS_THRESHOLDS } from '../../../src/shared/contract/statusThresholds';
import { startBridgedCore, startSim, waitFor, type RelayRecord } from '../bridge/harness';

let sim: CadSimulator | undefined;
let running: (TestCore & { relayed: RelayRecord[] }) | undefined;
const crews: Array<ReturnType<typeof connectIo>> = [];
afterEach(async () => {
  crews.splice(0).forEach((c) => c.disconnect());
  await running?.close();
  await sim?.close();
  running = sim = undefined;
});

const as = (username: string, role: 'dispatcher' | 'supervisor' | 'auditor' | 'admin'): CallContext => ({ operator: { username, role }, transport: 'ipc' });
const sue = as('sue', 'supervisor');
const byId = <T extends { id: string }>(list: readonly T[]) => [...list].sort((a, b) => a.id.localeCompare(b.id));

/** A CAD-bridged core writing a keyframe every second, in sync with an 8-unit simulator. */
async function cityInSync() {
  sim = await startSim({ units: 8 });
  running = await startBridgedCore(sim.url, { extra: { replay: { keyframeIntervalSeconds: 1 } } });
  const { core } = running;
  await waitFor('the picture in sync with the CAD', () => core.services.bridge.health().status === 'healthy' && core.services.dispatch.units().length === 8);
  return { core, sim };
}

const keyframeRows = (file: string) => {
  const db = new Sqlite(file, { readonly: true });
  try {
    return db.prepare(`SELECT id, event_data FROM socket_logs WHERE event_type = '${KEYFRAME_EVENT}' ORDER BY id`).all() as Array<{ id: number; event_data: string }>;
  } finally {
    db.close();
  }
};

/** The live picture, in the form a replay answers. */
const live = (core: TestCore['core']) => ({ units: byId(core.services.dispatch.units()), incidents: byId(core.services.dispatch.incidents()) });

describe('the flight recorder', () => {
  it('writes keyframes into the chained log at start, after the CAD resync and on its timer, and the log still verifies', async () => {
    const { core } = await cityInSync();
    const parts = () => keyframeRows(core.database.file).map((r) => JSON.parse(r.event_data) as KeyframePart);
    // The resync's keyframe is written a moment after the picture was replaced (deflated off the event loop).
    await waitFor('a resync and a periodic keyframe', () => ['resync', 'periodic'].every((reason) => parts().some((p) => p.reason === reason)));
    const firsts = parts().filter((p) => p.part === 0);
    expect(firsts[0]!.reason).toBe('start');
    const resync = firsts.find((p) => p.reason === 'resync')!;
    const picture = joinKeyframe(parts().filter((p) => p.kf === resync.kf));
    expect(picture?.units).toHaveLength(8);
    expect(byId(picture!.units).map((u) => u.id)).toEqual(byId(core.services.dispatch.units()).map((u) => u.id));
    const report = await verifyLogFile(core.database.file, loadLogKeys(running!.dataDir).mac);
    expect(report.ok).toBe(true);
  });

  it('replays the picture at a past moment exactly as the live picture was, with alerts acknowledged by name and crews connected', async () => {
    const { core, sim } = await cityInSync();
    const [a, b, c] = [...sim.state.units.values()];
    const incident = sim.world.createIncident({ priority: 1, type: 'cardiac arrest' });
    sim.world.assign(a!, incident);
    sim.world.moveUnit(b!, { lat: 47.61, lon: -122.33 }, 90, 40);
    await waitFor('the assignment applied', () => core.services.dispatch.unit(a!.id)?.incident_id === incident.id && core.services.dispatch.unit(b!.id)?.speed === 40);
    // Unit a's crew reports through the hub with its own MDT.
    const mdt = connectIo(core.url, { transports: ['websocket'], auth: { token: await tokenFor(core, { sub: 'mdt-1', role: 'crew', unit_id: a!.id }) }, reconnection: false, forceNew: true });
    crews.push(mdt);
    await waitFor('the crew connected', () => mdt.connected);
    expect(await emitAck(mdt, 'update_location', { latitude: 47.6205, longitude: -122.3493, heading: 45, status: 'en_route' })).toMatchObject({ ok: true });
    const alert = core.alerts.raise({ key: 'vitals:P-9:spo2', kind: 'vitals', severity: 'critical', title: 'SpO2 79%', message: 'desaturating', source: 'monitor-1' });
    expect((await core.api.call('alerts.acknowledge', { id: alert.id }, as('dana', 'dispatcher'))).ok).toBe(true);
    await core.services.log.flush();
    const before = live(core);
    const moment = Date.now();
    await waitFor('the clock past the moment', () => Date.now() > moment + 2);

    // The room goes on: a reassignment and more movement after the moment.
    sim.world.assign(c!, incident);
    sim.world.moveUnit(b!, { lat: 47.7, lon: -122.4 }, 180, 70);
    await waitFor('later changes applied', () => core.services.dispatch.unit(b!.id)?.speed === 70 && core.services.dispatch.unit(c!.id)?.incident_id === incident.id);

    const replay = await core.api.call('replay.at', { at: new Date(moment).toISOString() }, sue);
    if (!replay.ok) throw new Error(replay.error.message);
    const picture = replay.value;
    expect({ units: byId(picture.units), incidents: byId(picture.incidents) }).toEqual(before);
    expect(picture.keyframe).not.toBeNull();
    expect(picture.chain).toMatchObject({ ok: true, first_bad: null });
    expect(picture.chain.checked).toBeGreaterThan(0);
    expect(picture.alerts.find((x) => x.id === alert.id)).toMatchObject({ severity: 'critical', acknowledged_by: 'dana' });
    expect(picture.cad_link).toBe('up');
    expect(picture.connections.find((x) => x.user_id === 'mdt-1')).toMatchObject({ role: 'crew', unit_id: a!.id, stale: false });
    expect(picture.crew_positions.find((p) => p.unit_id === a!.id)).toMatchObject({ latitude: 47.6205, longitude: -122.3493, status: 'en_route' });

    // Now equals now: the picture replayed at the present is the live one.
    await core.services.log.flush();
    const now = await core.api.call('replay.at', { at: Date.now() }, sue);
    expect(now.ok && { units: byId(now.value.units), incidents: byId(now.value.incidents) }).toEqual(live(core));

    // Stepping from the moment plays the reassignment; the timeline marks the incident and the assignments.
    const played = await core.api.call('replay.events', { from: moment, to: Date.now() }, sue);
    if (!played.ok) throw new Error(played.error.message);
    expect(played.value.changes.some((ch) => ch.units.some((u) => u.id === c!.id && u.incident_id === incident.id))).toBe(true);
    const timeline = await core.api.call('replay.timeline', { from: moment - 60_000, to: Date.now() }, sue);
    if (!timeline.ok) throw new Error(timeline.error.message);
    expect(timeline.value.marks.map((m) => m.kind)).toEqual(expect.arrayContaining(['hub_start', 'resync', 'incident', 'assignment', 'alert']));

    // Opening the replay is in the access log.
    const access = await core.api.call('log.accessLog', { limit: 50 }, as('ann', 'auditor'));
    expect(access.ok && access.value.rows.some((e) => e.actor === 'sue' && e.query === 'replay.at')).toBe(true);
  });

  it('says prominently that the chain is broken when a row in the replayed range was edited', async () => {
    const { core, sim } = await cityInSync();
    const [a] = [...sim.state.units.values()];
    sim.world.moveUnit(a!, { lat: 47.62, lon: -122.35 }, 10, 20);
    await waitFor('the move applied', () => core.services.dispatch.unit(a!.id)?.speed === 20);
    await core.services.log.flush();
    const db = new Sqlite(core.database.file);
    const row = db.prepare("SELECT id, created_at FROM socket_logs WHERE event_type = 'cad:unit:location:updated' ORDER BY id DESC LIMIT 1").get() as { id: number; created_at: number };
    db.prepare("UPDATE socket_logs SET event_data = replace(event_data, '47.62', '47.99') WHERE id = ?").run(row.id);
    db.close();
    // At the edited row's moment (a keyframe a second later would start after it): the row is among those replayed.
    const replay = await core.api.call('replay.at', { at: row.created_at }, sue);
    if (!replay.ok) throw new Error(replay.error.message);
    expect(replay.value.chain.ok).toBe(false);
    expect(replay.value.chain.first_bad).toMatchObject({ id: row.id, reason: expect.stringMatching(/does not match its MAC/) });
  });

  it('refuses a dispatcher and lets a supervisor, an auditor and an admin replay', async () => {
    const { core } = await cityInSync();
    // Replays are read on their own thread, never on the hub's event loop.
    await waitFor('the replay thread ready', () => core.services.replay.thread.where() === 'thread');
    const refused = await core.api.call('replay.at', { at: Date.now() }, as('dana', 'dispatcher'));
    expect(refused.ok).toBe(false);
    expect(!refused.ok && refused.error.code).toBe('FORBIDDEN');
    const report = await core.api.call('incident.report', { incident_id: 'INC-1' }, as('dana', 'dispatcher'));
    expect(!report.ok && report.error.code).toBe('FORBIDDEN');
    for (const who of [sue, as('ann', 'auditor'), as('root', 'admin')]) {
      expect((await core.api.call('replay.at', { at: Date.now() }, who)).ok).toBe(true);
    }
    const backwards = await core.api.call('replay.events', { from: Date.now(), to: Date.now() - 1000 }, sue);
    expect(!backwards.ok && backwards.error.code).toBe('VALIDATION_FAILED');
  });
});

describe("an incident's report", () => {
  it('tells the story with eTimes, operators and the units considered, signs its evidence for verify --export, and notices tampering', async () => {
    const { core, sim } = await cityInSync();
    const incident = sim.world.createIncident({ priority: 1, type: 'cardiac arrest', location: { lat: 47.6, lon: -122.33 } });
    await waitFor('the call in the picture', () => core.services.dispatch.incident(incident.id));
    const unit = sim.world.closestAvailable(incident)!;
    const sent = await core.api.call('dispatch.assign', { incident_id: incident.id, unit_id: unit.id }, as('dana', 'dispatcher'));
    expect(sent.ok).toBe(true);
    await waitFor('the assignment confirmed', () => core.services.dispatch.unit(unit.id)?.incident_id === incident.id);
    // The patient's ambulance request: Harborview (H1) declines, Virginia Mason (H3) accepts; dana links it to the incident.
    const socket = async (identity: Parameters<typeof tokenFor>[1]) => {
      const s = connectIo(core.url, { transports: ['websocket'], auth: { token: await tokenFor(core, identity) }, reconnection: false, forceNew: true });
      crews.push(s);
      await waitFor(`${identity.sub} connected`, () => s.connected);
      return s;
    };
    const [h1, h3, patient] = [await socket({ sub: 'h1-desk', role: 'hospital', hospital_id: 'H1' }), await socket({ sub: 'h3-desk', role: 'hospital', hospital_id: 'H3' }), await socket({ sub: 'P77', role: 'patient', patient_id: 'P77' })];
    await core.services.hospitals.registry.update('H2', { accepting: false });
    expect(await emitAck(patient, 'ambulance_request', { latitude: 47.6041, longitude: -122.3239, emergency_details: { type: 'cardiac arrest' } })).toMatchObject({ ok: true, hospital_id: 'H1' });
    const request = () => core.services.hospitals.requests.list()[0]!;
    expect(await emitAck(h1, 'hospital_response', { request_id: request().id, response: 'rejected', reason: 'no beds' })).toMatchObject({ ok: true });
    await waitFor('the request offered to H3', () => request().hospital_id === 'H3');
    expect(await emitAck(h3, 'hospital_response', { request_id: request().id, response: 'accepted', eta_minutes: 6 })).toMatchObject({ ok: true, status: 'accepted' });
    const linked = await core.api.call('requests.linkIncident', { request_id: request().id, incident_id: incident.id }, as('dana', 'dispatcher'));
    expect(linked.ok).toBe(true);
    const alert = core.alerts.raise({ key: 'vitals:P-3:hr', kind: 'vitals', severity: 'critical', title: 'HR 190', message: 'tachycardia', source: 'monitor-2' });
    await core.api.call('alerts.acknowledge', { id: alert.id }, as('dana', 'dispatcher'));
    await core.services.log.flush();

    const answer = await core.api.call('incident.report', { incident_id: incident.id }, as('ann', 'auditor'));
    if (!answer.ok) throw new Error(answer.error.message);
    const { report, evidence_ndjson } = answer.value;
    expect(report.times[0]).toMatchObject({ name: 'call_received', etimes: 'eTimes.03' });
    expect(report.times.map((t) => t.name)).toEqual(expect.arrayContaining(['dispatched', 'unit_notified']));
    expect(report.steps.some((s) => s.what.startsWith(`Sent assignment:send for ${unit.id}`) && s.by === 'dana')).toBe(true);
    expect(report.steps.some((s) => s.what.includes('Critical alert acknowledged') && s.by === 'dana')).toBe(true);
    // The simulated CAD dispatched a unit on its own first; dana's decision is the second, and her unit was among those offered.
    const danas = report.decisions.find((d) => d.assigned === unit.id);
    expect(danas?.considered.map((c) => c.unit_id)).toContain(unit.id);
    expect(report.intervals.find((i) => i.name === 'call to dispatch')).toMatchObject({ alarm_seconds: 120 });
    expect(report.chain.ok).toBe(true);
    // The hospital offers and answers, in order, each resting on its log row (in the evidence).
    expect(report.hospital.map((h) => h.what)).toEqual([
      'Ambulance requested by patient P77',
      'Offered to Harborview Medical Center (attempt 1)',
      'Harborview Medical Center answered: declined (no beds)',
      'Offered to Virginia Mason Medical Center (attempt 2)',
      'Virginia Mason Medical Center answered: accepted, ETA 6 min',
      'Accepted by Virginia Mason Medical Center',
      `Request ${request().id} linked to this incident by dana`
    ]);
    expect(report.steps.some((s) => s.what.startsWith(`Request ${request().id} linked`) && s.by === 'dana')).toBe(true);
    const evidenceIds = evidence_ndjson.trim().split('\n').map((l) => (JSON.parse(l) as { id: number }).id);
    expect(report.hospital.every((h) => evidenceIds.includes(h.log_id))).toBe(true);

    const dir = tempDir('switchboard-report-');
    const file = path.join(dir, 'report.evidence.ndjson');
    fs.writeFileSync(file, evidence_ndjson);
    fs.writeFileSync(`${file}.manifest.json`, JSON.stringify(report.evidence.manifest));
    const keys = loadLogKeys(running!.dataDir);
    expect(await verifyExportFile(file, keys.verifying)).toMatchObject({ ok: true, rows: report.evidence.rows });

    const db = new Sqlite(core.database.file);
    db.prepare("UPDATE socket_logs SET user_id = 'mallory' WHERE id = ?").run(report.evidence.first_id);
    db.close();
    const tampered = await core.api.call('incident.report', { incident_id: incident.id }, as('ann', 'auditor'));
    expect(tampered.ok && tampered.value.report.chain).toMatchObject({ ok: false, first_bad: { id: report.evidence.first_id } });
  });

  it('judges each decision by the run cards and thresholds the centre had then, not by the ones changed since', async () => {
    const { core, sim } = await cityInSync();
    const then = DEFAULT_STATUS_THRESHOLDS.incident['1'];
    const tighter = { incident: { ...DEFAULT_STATUS_THRESHOLDS.incident, '1': { ...then, pending: { warn: 5, alarm: 10 } } }, unit: DEFAULT_STATUS_THRESHOLDS.unit };
    // At the time of the call: cardiac arrests get a basic unit first, and the first minute's alarm is 10 s.
    expect((await core.api.call('dispatch.setRunCards', { cards: [{ incident_type: 'cardiac arrest', priority: null, unit_types: ['BLS'] }], default_card: ['ALS'] }, sue)).ok).toBe(true);
    expect((await core.api.call('dispatch.setThresholds', tighter, sue)).ok).toBe(true);
    const incident = sim.world.createIncident({ priority: 1, type: 'cardiac arrest', location: { lat: 47.6, lon: -122.33 } });
    await waitFor('the call in the picture', () => core.services.dispatch.incident(incident.id));
    const unit = core.services.dispatch.suggestUnits(incident.id, 1)[0]!.unit;
    expect(unit.unit_type).toBe('BLS');
    expect((await core.api.call('dispatch.assign', { incident_id: incident.id, unit_id: unit.id }, as('dana', 'dispatcher'))).ok).toBe(true);
    await waitFor('the assignment confirmed', () => core.services.dispatch.unit(unit.id)?.incident_id === incident.id);
    await waitFor('the call dispatched', () => core.services.dispatch.incident(incident.id)?.timestamps.dispatched);
    // Afterwards the supervisor changes both back: a review must not judge dana's decision by today's table.
    expect((await core.api.call('dispatch.setRunCards', { cards: [{ incident_type: 'cardiac arrest', priority: null, unit_types: ['ALS'] }], default_card: ['ALS'] }, sue)).ok).toBe(true);
    expect((await core.api.call('dispatch.setThresholds', { incident: DEFAULT_STATUS_THRESHOLDS.incident, unit: DEFAULT_STATUS_THRESHOLDS.unit }, sue)).ok).toBe(true);
    await core.services.log.flush();

    const answer = await core.api.call('incident.report', { incident_id: incident.id }, as('ann', 'auditor'));
    if (!answer.ok) throw new Error(answer.error.message);
    const danas = answer.value.report.decisions.find((d) => d.assigned === unit.id)!;
    expect(danas.considered[0]).toMatchObject({ run_card: 'preferred' });
    expect(core.services.dispatch.unit(danas.considered[0]!.unit_id)?.unit_type).toBe('BLS');
    expect(answer.value.report.intervals.find((i) => i.name === 'call to dispatch')).toMatchObject({ warn_seconds: 5, alarm_seconds: 10 });
  });
});
