/**
 * A large socket log for replay benchmarks: CAD events (batched location fixes,
 * statuses, calls, assignments), crew positions, connections and alert records,
 * with a keyframe of the whole picture every KEYFRAME_S seconds, every row
 * chained with a real MAC (replays verify their range, so fake MACs would
 * stop them at the first row and flatter the figures). Built with bare prepared
 * inserts in large transactions, straight into the file.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Incident, Unit } from '../../src/shared/cad';
import { openDatabase } from '../../src/main/core/db/database';
import { genesisMac, rowMac, stateCanon, type LogKeys } from '../../src/main/core/log/store/chain';
import { prepareNamed, ROW_INSERT_COLUMNS } from '../../src/main/core/log/store/statements';
import { keyframeEntries } from '../../src/main/core/replay/keyframe';

export interface ReplayFixture {
  file: string;
  dataDir: string;
  start: number;
  end: number;
  rows: number;
  keyframes: number;
  keyframeBytes: number;
  buildSeconds: number;
}

const ROW_DEFAULTS = { socket_id: 'cad', request_data: null, response_data: null, patient_latitude: null, patient_longitude: null, hospital_id: null, hospital_name: null, distance_km: null, status: 'success', error_message: null, processed: 1, response_time_ms: null, ip_address: null, user_agent: null, session_duration: null, version: 0 };

export async function buildReplayFixture(options: { rows: number; days: number; units: number; keyframeSeconds: number; keys: LogKeys }): Promise<ReplayFixture> {
  const started = performance.now();
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'switchboard-bench-replay-'));
  const database = await openDatabase(dataDir);
  database.sqlite.pragma('synchronous = OFF');
  const insert = prepareNamed(database.sqlite, (p) => database.db.insertInto('socket_logs').values(Object.fromEntries(ROW_INSERT_COLUMNS.map((c) => [c, p(c)])) as never));
  const end = Date.now();
  const start = end - options.days * 86_400_000;
  const step = (end - start) / options.rows;
  const at0 = new Date(start).toISOString();
  const units: Unit[] = Array.from({ length: options.units }, (_, i) => ({
    id: `U-${String(i + 1).padStart(4, '0')}`,
    call_sign: `Medic ${i + 1}`,
    unit_type: i % 3 ? 'ALS' : 'BLS',
    status: 'available',
    location: { lat: 47.5 + (i % 50) / 250, lon: -122.4 + Math.floor(i / 50) / 250 },
    heading: 0,
    speed: 0,
    incident_id: null,
    last_report: at0
  }));
  const incidents: Incident[] = [];
  let seq = 0;
  let id = 0;
  let prev = genesisMac(options.keys.mac, 'rows');
  let keyframes = 0;
  let keyframeBytes = 0;
  let nextKeyframe = start;
  const write = (createdAt: number, eventType: string, userId: string | null, userRole: string | null, data: unknown) => {
    id += 1;
    const row = { ...ROW_DEFAULTS, id, created_at: createdAt, event_type: eventType, user_id: userId, user_role: userRole, event_data: JSON.stringify(data), processed_at: createdAt };
    const mac = rowMac(options.keys.mac, prev, row, stateCanon(row));
    prev = mac;
    insert.run({ ...row, mac });
  };
  const cad = (event: string, payload: Record<string, unknown>, at: string) => ({ ...payload, at, epoch: 'bench', seq: ++seq });

  const run = database.sqlite.transaction((from: number, to: number) => {
    for (let i = from; i < to; i += 1) {
      const now = Math.floor(start + i * step);
      const at = new Date(now).toISOString();
      if (now >= nextKeyframe) {
        for (const entry of keyframeEntries({ at, reason: 'periodic', cad: { epoch: 'bench', seq }, synced_at: at0, cad_link: 'up', metrics: {}, units, incidents: incidents.slice(-200), alerts: [], connections: [], crew_positions: [], crew_units: {} })) {
          keyframeBytes += JSON.stringify(entry.eventData).length;
          write(now, entry.eventType, entry.userId ?? null, entry.userRole ?? null, entry.eventData);
        }
        keyframes += 1;
        nextKeyframe += options.keyframeSeconds * 1000;
      }
      const kind = i % 20;
      if (kind < 12) {
        // A burst of fixes, logged as one batch row as the bridge does.
        const events = Array.from({ length: 20 }, (_, k) => {
          const unit = units[(i * 20 + k) % units.length]!;
          unit.location = { lat: unit.location!.lat + 0.0001, lon: unit.location!.lon };
          unit.last_report = at;
          return cad('unit:location:updated', { unit_id: unit.id, location: unit.location, heading: 90, speed: 40 }, at);
        });
        write(now, 'cad:unit:location:updated', 'cad-bridge', 'cad', { batch: true, count: events.length, events });
      } else if (kind < 14) {
        const unit = units[i % units.length]!;
        unit.status = unit.status === 'available' ? 'en_route' : 'available';
        write(now, 'cad:unit:status:updated', 'cad-bridge', 'cad', cad('unit:status:updated', { unit_id: unit.id, status: unit.status, incident_id: null }, at));
      } else if (kind === 14) {
        const incident: Incident = { id: `INC-${i}`, type: 'fall', priority: 2, address: `${i} Main St`, location: { lat: 47.6, lon: -122.33 }, status: 'pending', assigned_units: [], timestamps: { call_received: at }, destination: null, notes: [], updated_at: at };
        incidents.push(incident);
        write(now, 'cad:incident:new', 'cad-bridge', 'cad', cad('incident:new', { incident }, at));
      } else if (kind === 15 && incidents.length) {
        const incident = incidents[incidents.length - 1]!;
        write(now, 'cad:assignment:received', 'cad-bridge', 'cad', cad('assignment:received', { unit_id: units[i % units.length]!.id, incident_id: incident.id }, at));
      } else if (kind < 18) {
        write(now, 'update_location', `mdt-${i % 500}`, 'crew', { latitude: 47.6, longitude: -122.3, heading: 10, status: 'en_route' });
      } else if (kind === 18) {
        write(now, i % 2 ? 'connect' : 'disconnect', `mdt-${i % 500}`, 'crew', { transport: 'socketio', rooms: [] });
      } else {
        write(now, 'alert_raised', null, 'system', { alert_id: `A-${i}`, key: `vitals:${i}`, kind: 'vitals', severity: 'critical', title: 'HR 190' });
      }
    }
  });
  const CHUNK = 50_000;
  for (let i = 0; i < options.rows; i += CHUNK) {
    run(i, Math.min(options.rows, i + CHUNK));
    if (process.stdout.isTTY) process.stdout.write(`\rfixture: ${Math.min(options.rows, i + CHUNK)} of ${options.rows} rows`);
  }
  await database.close();
  return { file: path.join(dataDir, 'switchboard.db'), dataDir, start, end, rows: id, keyframes, keyframeBytes, buildSeconds: (performance.now() - started) / 1000 };
}
