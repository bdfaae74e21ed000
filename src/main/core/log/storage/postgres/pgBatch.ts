import type pg from 'pg';
import type { AccessRecordInput, CommitOp, CommitOutcome } from '../../write/groupCommit';
import type { PendingUpdate } from '../../write/normalize';
import { chainHeadMac, pgAccessMac, pgRowMac, pgUpdateMac, type ChainedRow } from './pgChain';

/** Where a node incarnation's chain stands: its last committed link. */
export interface ChainPosition {
  incarnation: string;
  seq: number;
  mac: Buffer;
}

export interface BatchResult {
  outcomes: CommitOutcome[];
  head: ChainPosition;
  inserted: number;
}

/** PostgreSQL text cannot hold NUL; the row is stored (and MACed) with U+FFFD instead. */
export const pgText = <T extends string | null>(value: T): T => (value !== null && value.includes('\u0000') ? (value.replaceAll('\u0000', '\uFFFD') as T) : value);

const iso = (ms: number) => new Date(ms).toISOString();
const minuteOf = (ms: number) => iso(Math.floor(ms / 60_000) * 60_000);
/** The node an incarnation belongs to (`node/uuid`): counters are kept per node. */
export const nodeOf = (incarnation: string) => incarnation.slice(0, incarnation.lastIndexOf('/'));

const INSERT_ROWS = `INSERT INTO socket_logs (id, created_at, incarnation, chain_seq, mac, event_type, socket_id, user_id, user_role,
  event_data, request_data, response_data, patient_latitude, patient_longitude, hospital_id, hospital_name, distance_km, status,
  error_message, processed, response_time_ms, ip_address, user_agent, session_duration, client_event_id, current_status,
  cur_response_data, cur_error_message, cur_response_time_ms, cur_hospital_id, cur_hospital_name, cur_distance_km, cur_processed)
SELECT id, created_at, $3, chain_seq, mac, event_type, socket_id, user_id, user_role, event_data, request_data, response_data,
  patient_latitude, patient_longitude, hospital_id, hospital_name, distance_km, status, error_message, processed, response_time_ms,
  ip_address, user_agent, session_duration, client_event_id, status,
  response_data, error_message, response_time_ms, hospital_id, hospital_name, distance_km, processed
FROM unnest($1::bigint[], $2::timestamptz[], $4::bigint[], $5::bytea[], $6::text[], $7::text[], $8::text[], $9::text[], $10::text[],
  $11::text[], $12::text[], $13::float8[], $14::float8[], $15::text[], $16::text[], $17::float8[], $18::text[], $19::text[],
  $20::boolean[], $21::bigint[], $22::text[], $23::text[], $24::bigint[], $25::text[])
  AS t(id, created_at, chain_seq, mac, event_type, socket_id, user_id, user_role, event_data, request_data, response_data,
  patient_latitude, patient_longitude, hospital_id, hospital_name, distance_km, status, error_message, processed, response_time_ms,
  ip_address, user_agent, session_duration, client_event_id)`;

const COLUMNS: ReadonlyArray<keyof ChainedRow> = [
  'event_type', 'socket_id', 'user_id', 'user_role', 'event_data', 'request_data', 'response_data', 'patient_latitude', 'patient_longitude',
  'hospital_id', 'hospital_name', 'distance_km', 'status', 'error_message', 'processed', 'response_time_ms', 'ip_address', 'user_agent',
  'session_duration', 'client_event_id'
];

/**
 * Takes `count` ids for this batch from the one counter row. The row stays locked
 * until COMMIT, so batches take ids in the order they commit, cluster-wide: a
 * reader that saw id N has seen every id below it that will ever exist. Also
 * answers the newest created_at written so far (times never go back between ids).
 */
async function takeIds(client: pg.PoolClient, count: number, newest: number): Promise<{ first: number; floor: number }> {
  const res = await client.query<{ first: number; floor: Date }>(
    `WITH old AS (SELECT last_id, last_created_at FROM socket_log_id_counter FOR UPDATE)
     UPDATE socket_log_id_counter c SET last_id = old.last_id + $1, last_created_at = GREATEST(old.last_created_at, $2::timestamptz)
     FROM old RETURNING old.last_id + 1 AS first, old.last_created_at AS floor`,
    [count, iso(newest)]
  );
  const row = res.rows[0]!;
  return { first: row.first, floor: row.floor.getTime() };
}

/** Counter deltas of one batch, per (minute, node, event type, status, role). */
class PgCounters {
  private readonly deltas = new Map<string, { count: number; rtSum: number; rtCount: number }>();
  add(createdAt: number, node: string, eventType: string, status: string, role: string | null, delta: number, responseTimeMs: number | null) {
    const k = JSON.stringify([minuteOf(createdAt), node, eventType, status, role ?? '']);
    const d = this.deltas.get(k) ?? { count: 0, rtSum: 0, rtCount: 0 };
    d.count += delta;
    if (responseTimeMs !== null) {
      d.rtSum += delta * responseTimeMs;
      d.rtCount += delta;
    }
    this.deltas.set(k, d);
  }
  async apply(client: pg.PoolClient) {
    if (this.deltas.size === 0) return;
    // Upserted in one sorted order by every node: two batches touching the same counter rows then wait for each other instead of deadlocking.
    const entries = [...this.deltas.entries()].sort(([x], [y]) => (x < y ? -1 : x > y ? 1 : 0));
    const keys = entries.map(([k]) => JSON.parse(k) as [string, string, string, string, string]);
    const values = entries.map(([, v]) => v);
    await client.query(
      `INSERT INTO log_counters (minute, node, event_type, status, user_role, count, rt_sum, rt_count)
       SELECT * FROM unnest($1::timestamptz[], $2::text[], $3::text[], $4::text[], $5::text[], $6::bigint[], $7::bigint[], $8::bigint[])
       ON CONFLICT (minute, node, event_type, status, user_role) DO UPDATE SET count = log_counters.count + excluded.count,
         rt_sum = log_counters.rt_sum + excluded.rt_sum, rt_count = log_counters.rt_count + excluded.rt_count`,
      [...[0, 1, 2, 3, 4].map((i) => keys.map((k) => k[i])), values.map((v) => v.count), values.map((v) => v.rtSum), values.map((v) => v.rtCount)]
    );
  }
}

/**
 * Writes one group commit's operations inside the caller's open transaction:
 * applies updates (chained records plus the row's current values) and appends
 * access records, then takes the rows' ids in commit order, claims client event ids (a resend, from
 * this node or another, resolves to the first row), inserts the rows in one
 * `INSERT ... SELECT FROM unnest(...)`, and moves the counters and this
 * incarnation's chain head. (No update can name a row inserted in the same batch:
 * its id is answered only after COMMIT.) Links are computed from `from`; the caller adopts
 * `head` only after COMMIT. A row's created_at may be raised to the newest time
 * already written (another node's clock ahead of this one's): the op's row is
 * changed in place, so the writer answers the time stored.
 */
export async function writeBatch(client: pg.PoolClient, key: Buffer, from: ChainPosition, ops: readonly CommitOp[], at: number): Promise<BatchResult> {
  const outcomes: CommitOutcome[] = new Array(ops.length);
  const node = nodeOf(from.incarnation);
  const inserts = ops.flatMap((op, i) => (op.kind === 'insert' ? [{ op, i }] : []));
  const counters = new PgCounters();
  let { seq, mac } = from;
  const rows: Array<ChainedRow & { mac: Buffer }> = [];

  // Updates and access records first: the id counter row (takeIds) is locked from the inserts to COMMIT, so it is held as briefly as possible.
  const accesses = ops.flatMap((op, i) => (op.kind === 'access' ? [{ entry: op.entry, i }] : []));
  const accessIds = accesses.length > 0 ? (await client.query<{ id: number }>("SELECT nextval('socket_log_access_ids') AS id FROM generate_series(1, $1)", [accesses.length])).rows.map((r) => r.id) : [];

  for (const [i, op] of ops.entries()) {
    if (op.kind !== 'update') continue;
    const outcome = await applyUpdate(client, op.id, op.update, at);
    if (!outcome) {
      outcomes[i] = { code: 'NOT_FOUND', message: `No socket log row with id ${op.id}.` };
      continue;
    }
    seq += 1;
    const record = { log_id: op.id, at, incarnation: from.incarnation, chain_seq: seq, version: outcome.version, changes: JSON.stringify(op.update) };
    mac = pgUpdateMac(key, mac, record);
    await client.query('INSERT INTO socket_log_updates (log_id, at, incarnation, chain_seq, version, changes, mac) VALUES ($1, $2, $3, $4, $5, $6, $7)', [
      record.log_id, iso(record.at), record.incarnation, record.chain_seq, record.version, record.changes, mac
    ]);
    const { before, after } = outcome;
    if (before.status !== after.status || before.rt !== after.rt) {
      counters.add(outcome.createdAt, outcome.node, outcome.eventType, before.status, outcome.role, -1, before.rt);
      counters.add(outcome.createdAt, outcome.node, outcome.eventType, after.status, outcome.role, 1, after.rt);
    }
    outcomes[i] = op.id;
  }

  if (accesses.length > 0) {
    const records = accesses.map(({ entry, i }, n) => {
      seq += 1;
      const record = accessRecord(entry, accessIds[n]!, from.incarnation, seq);
      mac = pgAccessMac(key, mac, record);
      outcomes[i] = record.id;
      return { ...record, mac };
    });
    await client.query(
      `INSERT INTO socket_log_access (id, at, actor, actor_role, channel, query, params, row_count, incarnation, chain_seq, mac)
       SELECT * FROM unnest($1::bigint[], $2::timestamptz[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::bigint[], $9::text[], $10::bigint[], $11::bytea[])`,
      [records.map((r) => r.id), records.map((r) => iso(r.at)), records.map((r) => r.actor), records.map((r) => r.actor_role), records.map((r) => r.channel),
        records.map((r) => r.query), records.map((r) => r.params), records.map((r) => r.row_count), records.map((r) => r.incarnation), records.map((r) => r.chain_seq), records.map((r) => r.mac)]
    );
  }

  if (inserts.length > 0) {
    const newest = inserts.reduce((m, { op }) => Math.max(m, op.row.created_at), 0);
    const { first, floor } = await takeIds(client, inserts.length, newest);
    for (const { op } of inserts) if (op.row.created_at < floor) op.row.created_at = floor;
    const duplicates = await claimClientEvents(client, inserts.map(({ op }, n) => ({ op, id: first + n })));
    inserts.forEach(({ op, i }, n) => {
      const ref = op.clientEvent;
      const id = first + n;
      const dup = ref ? duplicates.get(`${pgText(ref.owner)}\u0000${pgText(ref.eventId)}`) : undefined;
      if (dup && dup.id !== id) {
        outcomes[i] = { duplicateOf: dup.id, createdAt: dup.createdAt };
        return;
      }
      const r = op.row;
      seq += 1;
      const row: ChainedRow = {
        id, created_at: r.created_at, incarnation: from.incarnation, chain_seq: seq, event_type: r.event_type, socket_id: pgText(r.socket_id),
        user_id: pgText(r.user_id), user_role: pgText(r.user_role), event_data: r.event_data, request_data: r.request_data, response_data: r.response_data,
        patient_latitude: r.patient_latitude, patient_longitude: r.patient_longitude, hospital_id: pgText(r.hospital_id), hospital_name: pgText(r.hospital_name),
        distance_km: r.distance_km, status: r.status, error_message: pgText(r.error_message), processed: r.processed === 1, response_time_ms: r.response_time_ms,
        ip_address: pgText(r.ip_address), user_agent: pgText(r.user_agent), session_duration: r.session_duration, client_event_id: ref ? pgText(ref.eventId) : null
      };
      mac = pgRowMac(key, mac, row);
      rows.push({ ...row, mac });
      counters.add(r.created_at, node, r.event_type, r.status, row.user_role, 1, r.response_time_ms);
      outcomes[i] = id;
    });
    if (rows.length > 0) {
      await client.query(INSERT_ROWS, [
        rows.map((r) => r.id), rows.map((r) => iso(r.created_at)), from.incarnation, rows.map((r) => r.chain_seq), rows.map((r) => r.mac),
        ...COLUMNS.map((c) => rows.map((r) => r[c]))
      ]);
    }
  }

  await counters.apply(client);
  if (seq !== from.seq) {
    await client.query('UPDATE log_chains SET last_seq = $2, last_mac = $3, head_mac = $4 WHERE incarnation = $1', [from.incarnation, seq, mac, chainHeadMac(key, from.incarnation, seq, mac)]);
  }
  return { outcomes, head: { incarnation: from.incarnation, seq, mac }, inserted: rows.length };
}

const accessRecord = (e: AccessRecordInput, id: number, incarnation: string, seq: number) => ({
  id, at: e.at, actor: pgText(e.actor), actor_role: e.actorRole === null ? null : pgText(e.actorRole), channel: e.channel, query: pgText(e.query),
  params: pgText(e.paramsJson), row_count: e.rowCount, incarnation, chain_seq: seq
});

interface UpdateOutcome {
  version: number;
  createdAt: number;
  eventType: string;
  role: string | null;
  node: string;
  before: { status: string; rt: number | null };
  after: { status: string; rt: number | null };
}

/**
 * Applies one update to the row's current values, as SQLite does (groupCommit.ts):
 * the row is processed once it has an outcome, and processed_at records when.
 * Null when the row does not exist.
 */
async function applyUpdate(client: pg.PoolClient, id: number, set: PendingUpdate, at: number): Promise<UpdateOutcome | null> {
  const found = await client.query<{ created_at: Date; event_type: string; user_role: string | null; incarnation: string; current_status: string; version: number; cur_response_time_ms: number | null; cur_processed: boolean; processed_at: Date | null }>(
    'SELECT created_at, event_type, user_role, incarnation, current_status, version, cur_response_time_ms, cur_processed, processed_at FROM socket_logs WHERE id = $1 FOR UPDATE',
    [id]
  );
  const row = found.rows[0];
  if (!row) return null;
  const status = set.status ?? row.current_status;
  const rt = set.response_time_ms !== undefined ? set.response_time_ms : row.cur_response_time_ms;
  const outcome = status !== 'pending' || set.processed === 1 || (set.processed === undefined && row.cur_processed);
  const processed = outcome || (set.processed !== undefined ? set.processed === 1 : row.cur_processed);
  const processedAt = outcome && row.processed_at === null ? iso(at) : row.processed_at;
  const has = (k: keyof PendingUpdate) => set[k] !== undefined;
  await client.query(
    `UPDATE socket_logs SET version = version + 1, current_status = $3, cur_response_time_ms = $4, cur_processed = $5, processed_at = $6,
       cur_response_data = CASE WHEN $7 THEN $8 ELSE cur_response_data END, cur_error_message = CASE WHEN $9 THEN $10 ELSE cur_error_message END,
       cur_hospital_id = CASE WHEN $11 THEN $12 ELSE cur_hospital_id END, cur_hospital_name = CASE WHEN $13 THEN $14 ELSE cur_hospital_name END,
       cur_distance_km = CASE WHEN $15 THEN $16::float8 ELSE cur_distance_km END
     WHERE id = $1 AND created_at = $2`,
    [
      id, row.created_at, status, rt, processed, processedAt,
      has('response_data'), set.response_data ?? null, has('error_message'), pgText(set.error_message ?? null), has('hospital_id'), pgText(set.hospital_id ?? null),
      has('hospital_name'), pgText(set.hospital_name ?? null), has('distance_km'), set.distance_km ?? null
    ]
  );
  return {
    version: row.version + 1, createdAt: row.created_at.getTime(), eventType: row.event_type, role: row.user_role, node: nodeOf(row.incarnation),
    before: { status: row.current_status, rt: row.cur_response_time_ms }, after: { status, rt }
  };
}

/**
 * Claims each entry's client event id for its new row id. Returns, for every
 * entry whose id was already taken (by an earlier row, by another node, or by an
 * earlier entry of this batch), the row that holds it.
 */
async function claimClientEvents(client: pg.PoolClient, entries: Array<{ op: Extract<CommitOp, { kind: 'insert' }>; id: number }>): Promise<Map<string, { id: number; createdAt: number }>> {
  const withRef = entries.filter((e) => e.op.clientEvent);
  const taken = new Map<string, { id: number; createdAt: number }>();
  if (withRef.length === 0) return taken;
  const owners = withRef.map((e) => pgText(e.op.clientEvent!.owner));
  const eventIds = withRef.map((e) => pgText(e.op.clientEvent!.eventId));
  const claimed = await client.query<{ log_id: number }>(
    `INSERT INTO client_event_ids (owner, event_id, log_id, created_at)
     SELECT * FROM unnest($1::text[], $2::text[], $3::bigint[], $4::timestamptz[]) ON CONFLICT DO NOTHING RETURNING log_id`,
    [owners, eventIds, withRef.map((e) => e.id), withRef.map((e) => iso(e.op.row.created_at))]
  );
  if (claimed.rows.length === withRef.length) return taken;
  const existing = await client.query<{ owner: string; event_id: string; log_id: number; created_at: Date }>(
    `SELECT c.owner, c.event_id, c.log_id, c.created_at FROM client_event_ids c
     JOIN unnest($1::text[], $2::text[]) AS u(owner, event_id) ON c.owner = u.owner AND c.event_id = u.event_id`,
    [owners, eventIds]
  );
  for (const r of existing.rows) taken.set(`${r.owner}\u0000${r.event_id}`, { id: r.log_id, createdAt: r.created_at.getTime() });
  return taken;
}
