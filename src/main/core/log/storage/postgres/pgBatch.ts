import type pg from 'pg';
import type { PendingRow, PendingUpdate } from '../../write/normalize';
import { chainHeadMac, pgRowMac, pgUpdateMac, type ChainedRow } from './pgChain';

/** One write the hub, the bridge or an alert asked for. */
export type PgLogOp =
  | { kind: 'insert'; row: PendingRow; clientEvent?: { owner: string; eventId: string } }
  | { kind: 'update'; id: number; update: PendingUpdate; at: number };

export type PgOpOutcome =
  | { kind: 'inserted'; id: number; createdAt: number }
  | { kind: 'duplicate'; id: number; createdAt: number }
  | { kind: 'updated' }
  | { kind: 'not-found'; message: string };

/** Where this node's chain stands: its last committed link. */
export interface ChainPosition {
  incarnation: string;
  seq: number;
  mac: Buffer;
}

export interface BatchResult {
  outcomes: PgOpOutcome[];
  head: ChainPosition;
  inserted: number;
}

/** PostgreSQL text cannot hold NUL; the row is stored (and MACed) with U+FFFD instead. */
const pgText = <T extends string | null>(value: T): T => (value !== null && value.includes('\u0000') ? (value.replaceAll('\u0000', '\uFFFD') as T) : value);

const iso = (ms: number) => new Date(ms).toISOString();
const minuteOf = (ms: number) => iso(Math.floor(ms / 60_000) * 60_000);

const INSERT_ROWS = `INSERT INTO socket_logs (id, created_at, incarnation, chain_seq, mac, event_type, socket_id, user_id, user_role,
  event_data, request_data, response_data, patient_latitude, patient_longitude, hospital_id, hospital_name, distance_km, status,
  error_message, processed, response_time_ms, ip_address, user_agent, session_duration, client_event_id, current_status)
SELECT id, created_at, $3, chain_seq, mac, event_type, socket_id, user_id, user_role, event_data, request_data, response_data,
  patient_latitude, patient_longitude, hospital_id, hospital_name, distance_km, status, error_message, processed, response_time_ms,
  ip_address, user_agent, session_duration, client_event_id, status
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
 * Writes one group commit's operations inside the caller's open transaction:
 * claims client event ids (a resend, from this node or another, resolves to the
 * first row), inserts the rows in one `INSERT ... SELECT FROM unnest(...)`,
 * appends update records, moves the per-node counters and this chain's head.
 * Links are computed from `from`; the caller adopts `head` only after COMMIT.
 */
export async function writeBatch(client: pg.PoolClient, key: Buffer, node: string, from: ChainPosition, ops: PgLogOp[]): Promise<BatchResult> {
  const outcomes: PgOpOutcome[] = new Array(ops.length);
  const inserts = ops.flatMap((op, i) => (op.kind === 'insert' ? [{ op, i }] : []));
  const ids = inserts.length > 0 ? (await client.query<{ id: number }>('SELECT nextval(\'socket_log_ids\') AS id FROM generate_series(1, $1)', [inserts.length])).rows.map((r) => r.id) : [];
  const duplicates = await claimClientEvents(client, inserts.map(({ op }, n) => ({ op, id: ids[n]! })));

  let { seq, mac } = from;
  const counters = new Map<string, number>();
  const count = (createdAt: number, eventType: string, status: string, delta: number) => {
    const k = JSON.stringify([minuteOf(createdAt), eventType, status]);
    counters.set(k, (counters.get(k) ?? 0) + delta);
  };
  const rows: Array<ChainedRow & { mac: Buffer }> = [];
  inserts.forEach(({ op, i }, n) => {
    const ref = op.clientEvent;
    const dup = ref ? duplicates.get(`${pgText(ref.owner)}\u0000${pgText(ref.eventId)}`) : undefined;
    if (dup && dup.id !== ids[n]) {
      outcomes[i] = { kind: 'duplicate', id: dup.id, createdAt: dup.createdAt };
      return;
    }
    const r = op.row;
    seq += 1;
    const row: ChainedRow = {
      id: ids[n]!, created_at: r.created_at, incarnation: from.incarnation, chain_seq: seq, event_type: r.event_type, socket_id: pgText(r.socket_id),
      user_id: pgText(r.user_id), user_role: pgText(r.user_role), event_data: r.event_data, request_data: r.request_data, response_data: r.response_data,
      patient_latitude: r.patient_latitude, patient_longitude: r.patient_longitude, hospital_id: pgText(r.hospital_id), hospital_name: pgText(r.hospital_name),
      distance_km: r.distance_km, status: r.status, error_message: pgText(r.error_message), processed: r.processed === 1, response_time_ms: r.response_time_ms,
      ip_address: pgText(r.ip_address), user_agent: pgText(r.user_agent), session_duration: r.session_duration, client_event_id: ref ? pgText(ref.eventId) : null
    };
    mac = pgRowMac(key, mac, row);
    rows.push({ ...row, mac });
    count(r.created_at, r.event_type, r.status, 1);
    outcomes[i] = { kind: 'inserted', id: row.id, createdAt: r.created_at };
  });
  if (rows.length > 0) {
    await client.query(INSERT_ROWS, [
      rows.map((r) => r.id), rows.map((r) => iso(r.created_at)), from.incarnation, rows.map((r) => r.chain_seq), rows.map((r) => r.mac),
      ...COLUMNS.map((c) => rows.map((r) => r[c]))
    ]);
  }

  for (const [i, op] of ops.entries()) {
    if (op.kind !== 'update') continue;
    const res = await client.query<{ version: number; before_status: string; after_status: string; event_type: string; created_at: Date }>(
      `WITH old AS (SELECT id, created_at, current_status FROM socket_logs WHERE id = $1 FOR UPDATE)
       UPDATE socket_logs s SET version = s.version + 1, current_status = coalesce($2, s.current_status)
       FROM old WHERE s.id = old.id AND s.created_at = old.created_at
       RETURNING s.version, old.current_status AS before_status, s.current_status AS after_status, s.event_type, s.created_at`,
      [op.id, op.update.status ?? null]
    );
    const updated = res.rows[0];
    if (!updated) {
      outcomes[i] = { kind: 'not-found', message: `Socket log entry ${op.id} does not exist.` };
      continue;
    }
    seq += 1;
    const record = { log_id: op.id, at: op.at, incarnation: from.incarnation, chain_seq: seq, version: updated.version, changes: JSON.stringify(op.update) };
    mac = pgUpdateMac(key, mac, record);
    await client.query('INSERT INTO socket_log_updates (log_id, at, incarnation, chain_seq, version, changes, mac) VALUES ($1, $2, $3, $4, $5, $6, $7)', [
      record.log_id, iso(record.at), record.incarnation, record.chain_seq, record.version, record.changes, mac
    ]);
    if (updated.before_status !== updated.after_status) {
      count(updated.created_at.getTime(), updated.event_type, updated.before_status, -1);
      count(updated.created_at.getTime(), updated.event_type, updated.after_status, 1);
    }
    outcomes[i] = { kind: 'updated' };
  }

  if (counters.size > 0) {
    const entries = [...counters].map(([k, delta]) => [...(JSON.parse(k) as [string, string, string]), delta] as const);
    await client.query(
      `INSERT INTO log_counters (minute, node, event_type, status, count)
       SELECT minute, $1, event_type, status, delta FROM unnest($2::timestamptz[], $3::text[], $4::text[], $5::bigint[]) AS t(minute, event_type, status, delta)
       ON CONFLICT (minute, node, event_type, status) DO UPDATE SET count = log_counters.count + excluded.count`,
      [node, entries.map((e) => e[0]), entries.map((e) => e[1]), entries.map((e) => e[2]), entries.map((e) => e[3])]
    );
  }
  if (seq !== from.seq) {
    await client.query('UPDATE log_chains SET last_seq = $2, last_mac = $3, head_mac = $4 WHERE incarnation = $1', [
      from.incarnation, seq, mac, chainHeadMac(key, from.incarnation, seq, mac)
    ]);
  }
  return { outcomes, head: { incarnation: from.incarnation, seq, mac }, inserted: rows.length };
}

/**
 * Claims each entry's client event id for its new row id. Returns, for every
 * entry whose id was already taken (by an earlier row, by another node, or by an
 * earlier entry of this batch), the row that holds it.
 */
async function claimClientEvents(client: pg.PoolClient, entries: Array<{ op: Extract<PgLogOp, { kind: 'insert' }>; id: number }>): Promise<Map<string, { id: number; createdAt: number }>> {
  const withRef = entries.filter((e) => e.op.clientEvent);
  const taken = new Map<string, { id: number; createdAt: number }>();
  if (withRef.length === 0) return taken;
  const owners = withRef.map((e) => e.op.clientEvent!.owner);
  const eventIds = withRef.map((e) => e.op.clientEvent!.eventId);
  const claimed = await client.query<{ log_id: number }>(
    `INSERT INTO client_event_ids (owner, event_id, log_id, created_at)
     SELECT * FROM unnest($1::text[], $2::text[], $3::bigint[], $4::timestamptz[]) ON CONFLICT DO NOTHING RETURNING log_id`,
    [owners.map((o) => pgText(o)), eventIds.map((e) => pgText(e)), withRef.map((e) => e.id), withRef.map((e) => iso(e.op.row.created_at))]
  );
  if (claimed.rows.length === withRef.length) return taken;
  const existing = await client.query<{ owner: string; event_id: string; log_id: number; created_at: Date }>(
    `SELECT c.owner, c.event_id, c.log_id, c.created_at FROM client_event_ids c
     JOIN unnest($1::text[], $2::text[]) AS u(owner, event_id) ON c.owner = u.owner AND c.event_id = u.event_id`,
    [owners.map((o) => pgText(o)), eventIds.map((e) => pgText(e))]
  );
  for (const r of existing.rows) taken.set(`${r.owner}\u0000${r.event_id}`, { id: r.log_id, createdAt: r.created_at.getTime() });
  return taken;
}
