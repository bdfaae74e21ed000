/**
 * A large socket log for replay benchmarks: CAD events (batched location fixes,
 * statuses, calls, assignments), crew positions, connections and alert records,
 * with a keyframe of the whole picture every KEYFRAME_S seconds, every row
 * chained with a real MAC computed as the log's store computes it (replays
 * verify their range, so fake MACs would stop them at the first row and flatter
 * the figures), and the chain's sealed head written at the end so the whole
 * file verifies. Built in one process with one bare prepared insert in large
 * transactions straight into the file (journal off while building: a failed
 * build is thrown away), then put back in WAL mode as the core runs it.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Incident, Unit } from '../../src/shared/cad';
import Sqlite from 'better-sqlite3';
import { openDatabase } from '../../src/main/core/db/database';
import { genesisMac, rowMac, stateCanon, type LogKeys } from '../../src/main/core/log/store/chain';
import { createLogStatements, ensureHeads, ROW_INSERT_COLUMNS, writeHead } from '../../src/main/core/log/store/statements';
import { keyframeEntries, keyframePartsSync } from '../../src/main/core/replay/keyframe';

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

/** CAD location fixes per batch row (the bridge batches bursts): 2,000 units each move every minute or two. */
const FIXES_PER_BATCH = 10;

const ROW_DEFAULTS = { socket_id: 'cad', request_data: null, response_data: null, patient_latitude: null, patient_longitude: null, hospital_id: null, hospital_name: null, distance_km: null, status: 'success', error_message: null, processed: 1, response_time_ms: null, ip_address: null, user_agent: null, session_duration: null, version: 0 };

export async function buildReplayFixture(options: { rows: number; days: number; units: number; keyframeSeconds: number; keys: LogKeys; dataDir?: string }): Promise<ReplayFixture> {
  const started = performance.now();
  const dataDir = options.dataDir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'switchboard-bench-replay-'));
  const migrated = await openDatabase(dataDir);
  const file = migrated.file;
  await migrated.close();
  const sqlite = new Sqlite(file);
  sqlite.pragma('journal_mode = OFF');
  sqlite.pragma('synchronous = OFF');
  sqlite.pragma('cache_size = -512000');
  const insertSql = sqlite.prepare(`INSERT INTO socket_logs (${ROW_INSERT_COLUMNS.join(',')}) VALUES (${ROW_INSERT_COLUMNS.map(() => '?').join(',')})`);
  const insert = { run: (row: Record<string, unknown>) => insertSql.run(ROW_INSERT_COLUMNS.map((c) => row[c] ?? null)) };
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
  let keyframeMs = 0;
  let nextKeyframe = start;
  const write = (createdAt: number, eventType: string, userId: string | null, userRole: string | null, data: unknown) => writeText(createdAt, eventType, userId, userRole, JSON.stringify(data));
  const writeText = (createdAt: number, eventType: string, userId: string | null, userRole: string | null, eventData: string) => {
    id += 1;
    const row = { ...ROW_DEFAULTS, id, created_at: createdAt, event_type: eventType, user_id: userId, user_role: userRole, event_data: eventData, processed_at: createdAt };
    const mac = rowMac(options.keys.mac, prev, row, stateCanon(row));
    prev = mac;
    insert.run({ ...row, mac });
  };
  const cad = (event: string, payload: Record<string, unknown>, at: string) => ({ ...payload, at, epoch: 'bench', seq: ++seq });

  const run = sqlite.transaction((from: number, to: number) => {
    for (let i = from; i < to; i += 1) {
      const now = Math.floor(start + i * step);
      const at = new Date(now).toISOString();
      if (now >= nextKeyframe) {
        const kfStarted = performance.now();
        const parts = keyframePartsSync({ at, reason: 'periodic', cad: { epoch: 'bench', seq }, synced_at: at0, cad_link: 'up', metrics: {}, units, incidents: incidents.slice(-200), alerts: [], connections: [], crew_positions: [], crew_units: {} });
        for (const entry of keyframeEntries(parts)) {
          keyframeBytes += JSON.stringify(entry.eventData).length;
          write(now, entry.eventType, entry.userId ?? null, entry.userRole ?? null, entry.eventData);
        }
        keyframes += 1;
        keyframeMs += performance.now() - kfStarted;
        nextKeyframe += options.keyframeSeconds * 1000;
      }
      const kind = i % 20;
      if (kind < 12) {
        // A burst of fixes, logged as one batch row as the bridge does (its JSON written out directly:
        // this is most of the fixture's rows, and building objects to stringify them was most of its time).
        let events = '';
        for (let k = 0; k < FIXES_PER_BATCH; k += 1) {
          const unit = units[(i * FIXES_PER_BATCH + k) % units.length]!;
          const location = unit.location!;
          location.lat = Math.round((location.lat + 0.0001) * 1e6) / 1e6;
          unit.last_report = at;
          events += `${k ? ',' : ''}{"unit_id":"${unit.id}","location":{"lat":${location.lat},"lon":${location.lon}},"heading":90,"speed":40,"at":"${at}","epoch":"bench","seq":${++seq}}`;
        }
        writeText(now, 'cad:unit:location:updated', 'cad-bridge', 'cad', `{"batch":true,"count":${FIXES_PER_BATCH},"events":[${events}]}`);
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
  const CHUNK = 100_000;
  for (let i = 0; i < options.rows; i += CHUNK) {
    run(i, Math.min(options.rows, i + CHUNK));
    if (i % 1_000_000 === 0) console.log(`fixture: ${Math.min(options.rows, i + CHUNK)} of ${options.rows} rows, ${Math.round((performance.now() - started) / 1000)} s (keyframes ${Math.round(keyframeMs / 1000)} s), CPU ${Math.round(process.cpuUsage().user / 1e6)} s`);
  }
  // The rows chain's head, sealed as the store seals it: `switchboard verify` then checks the whole file.
  const statements = createLogStatements(migrated.db, sqlite);
  ensureHeads(statements, sqlite, options.keys.mac);
  const genesis = genesisMac(options.keys.mac, 'rows');
  writeHead(statements, options.keys.mac, { chain: 'rows', head_id: id, head_mac: prev, anchor_id: 0, anchor_mac: genesis, record_count: id });
  sqlite.pragma('journal_mode = WAL');
  sqlite.close();
  return { file, dataDir, start, end, rows: id, keyframes, keyframeBytes, buildSeconds: (performance.now() - started) / 1000 };
}
