import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openDatabase, type Database } from '../../src/main/core/db/database';
import { rebuildCounters } from '../../src/main/core/log/read/statistics';
import { createLogStatements, ensureHeads, prepareNamed, ROW_INSERT_COLUMNS } from '../../src/main/core/log/store/statements';
import { openUserIndexing } from '../../src/main/core/log/userIndex/userIndexer';

export const DAY = 86_400_000;
const TYPES = ['update_location', 'update_location', 'update_location', 'connect', 'disconnect', 'ambulance_request', 'hospital_response', 'ambulance_accepted'];
const ROLES = ['patient', 'patient', 'hospital', 'crew', 'device'];
const STATUSES = ['success', 'success', 'success', 'success', 'failed', 'pending'];

export const tempDataDir = (label: string) => fs.mkdtempSync(path.join(os.tmpdir(), `switchboard-bench-${label}-`));

/** A realistic row (the same shape the writer stores) for event number i at time `at`. */
export function benchRow(i: number, at: number) {
  const type = TYPES[i % TYPES.length]!;
  return {
    created_at: at,
    event_type: type,
    socket_id: `sock-${i % 5000}`,
    user_id: `user-${i % 2000}`,
    user_role: ROLES[i % ROLES.length]!,
    event_data: JSON.stringify({ lat: 51.5 + (i % 100) / 1000, lon: -0.12, heading: i % 360, speed: 12.5, battery: 0.83, seq: i }),
    request_data: type === 'ambulance_request' ? JSON.stringify({ severity: 'high', note: 'chest pain' }) : null,
    response_data: null,
    patient_latitude: 51.5 + (i % 100) / 1000,
    patient_longitude: -0.12,
    hospital_id: type === 'ambulance_request' || type === 'hospital_response' ? `H${i % 40}` : null,
    hospital_name: null,
    distance_km: null,
    status: STATUSES[i % STATUSES.length]!,
    error_message: null,
    processed: 1,
    processed_at: null,
    response_time_ms: type === 'ambulance_request' ? 1000 + (i % 30_000) : null,
    ip_address: '10.0.0.7',
    user_agent: 'switchboard-device/2.1',
    session_duration: null
  };
}

/**
 * Builds an N-row log fast (bare prepared inserts, 50k per transaction) spread
 * evenly over `days` ending now, then rebuilds the counters from the rows. MACs
 * are random: this fixture is for query and export timing, not verification.
 * The per-user index is built too (userIndex.ts).
 */
export async function buildFixture(n: number, days = 30, dataDir = tempDataDir('fixture')): Promise<{ database: Database; dataDir: string; end: number; userIndexSeconds: number }> {
  const database = await openDatabase(dataDir);
  database.sqlite.pragma('synchronous = OFF');
  const insert = prepareNamed(database.sqlite, (p) => database.db.insertInto('socket_logs').values(Object.fromEntries(ROW_INSERT_COLUMNS.map((c) => [c, p(c)])) as never));
  const end = Date.now();
  const start = end - days * DAY;
  const step = (end - start) / n;
  const mac = randomBytes(16);
  const chunk = database.sqlite.transaction((from: number, to: number) => {
    for (let i = from; i < to; i += 1) insert.run({ ...benchRow(i, Math.floor(start + i * step)), id: i + 1, version: 0, mac });
  });
  for (let i = 0; i < n; i += 50_000) chunk(i, Math.min(n, i + 50_000));
  await rebuildCounters(database.db);
  // Genesis heads so exports can name a chain head (the fixture's MACs are not a real chain).
  ensureHeads(createLogStatements(database.db, database.sqlite), database.sqlite, Buffer.alloc(32));
  // The per-user index, as the log service's indexer builds it on first start.
  const indexStarted = performance.now();
  const indexing = openUserIndexing(database.file);
  while (indexing.pass().behind > 0);
  indexing.close();
  const userIndexSeconds = (performance.now() - indexStarted) / 1000;
  database.sqlite.pragma('wal_checkpoint(TRUNCATE)');
  database.sqlite.pragma('synchronous = FULL');
  return { database, dataDir, end, userIndexSeconds };
}
