import type Sqlite from 'better-sqlite3';
import type { Kysely } from 'kysely';
import type { DatabaseSchema } from '../../db/schema';
import { accessMac, rowMac, stateCanon, stateDigest, updateMac, type ChainHead, type RowState } from '../store/chain';
import type { PendingRow, PendingUpdate } from './normalize';
import { CounterBatch, createLogStatements, readHead, writeHead, type LogStatements } from '../store/statements';

export type AccessChannel = 'rest' | 'console' | 'cli';

/** An access-log record, cleaned on the caller's side (see writer.recordAccess). */
export interface AccessRecordInput {
  at: number;
  actor: string;
  actorRole: string | null;
  channel: AccessChannel;
  query: string;
  paramsJson: string;
  rowCount: number;
}

/**
 * One unit of work in a group commit. Plain data only: batches cross to the
 * commit thread by structured clone (see commitThread.ts).
 */
export type CommitOp =
  | { kind: 'insert'; row: PendingRow; clientEvent?: ClientEventRef }
  | { kind: 'update'; id: number; update: PendingUpdate }
  | { kind: 'access'; entry: AccessRecordInput };

/** A client event id and whose it is (`role:sub`): a second insert with the same pair writes nothing. */
export interface ClientEventRef {
  owner: string;
  eventId: string;
}

/**
 * An op as it crosses to the commit thread: an insert as an array of its row's
 * values in a fixed order, anything else as is. Structured clone writes every key
 * of every object; rows as objects were 6% of the hub's event loop at 8k events/s.
 */
export type WireOp = unknown[] | Exclude<CommitOp, { kind: 'insert' }>;

export function toWire(op: CommitOp): WireOp {
  if (op.kind !== 'insert') return op;
  const r = op.row;
  const wire = [
    r.created_at, r.event_type, r.socket_id, r.user_id, r.user_role, r.event_data, r.request_data, r.response_data,
    r.patient_latitude, r.patient_longitude, r.hospital_id, r.hospital_name, r.distance_km, r.status, r.error_message,
    r.processed, r.processed_at, r.response_time_ms, r.ip_address, r.user_agent, r.session_duration
  ];
  if (op.clientEvent) wire.push(op.clientEvent.owner, op.clientEvent.eventId);
  return wire;
}

export function fromWire(op: WireOp): CommitOp {
  if (!Array.isArray(op)) return op;
  // Values are as toWire wrote them (same thread protocol, same build): typed by position.
  const v = (i: number) => op[i] as never;
  const row: PendingRow = {
    created_at: v(0), event_type: v(1), socket_id: v(2), user_id: v(3), user_role: v(4), event_data: v(5), request_data: v(6), response_data: v(7),
    patient_latitude: v(8), patient_longitude: v(9), hospital_id: v(10), hospital_name: v(11), distance_km: v(12), status: v(13), error_message: v(14),
    processed: v(15), processed_at: v(16), response_time_ms: v(17), ip_address: v(18), user_agent: v(19), session_duration: v(20)
  };
  const owner = op[21] as string | undefined;
  return owner === undefined ? { kind: 'insert', row } : { kind: 'insert', row, clientEvent: { owner, eventId: op[22] as string } };
}

/**
 * Per op, in order: the id it was written under, the id an earlier insert with
 * the same client event id was written under (nothing written), or why it was refused on its own.
 */
export type CommitOutcome = number | { duplicateOf: number; createdAt: number } | { code: 'NOT_FOUND'; message: string };

export interface CommitResult {
  outcomes: CommitOutcome[];
  /** Rows in the log after this commit, when the batch had inserts. */
  totalRows?: number;
}

export interface GroupCommit {
  statements: LogStatements;
  /** Runs the batch in one IMMEDIATE transaction; throws (rolled back) if SQLite fails. */
  commit(ops: CommitOp[]): CommitResult;
}

const maxId = (row: { max_id: number | null } | undefined) => Number(row?.max_id ?? 0);

/**
 * The transaction at the heart of the socket log, shared by the writer's two
 * homes: its own thread (commit.worker.ts) and, where no worker can start, the
 * main thread. Each record gets the next id of its chain and a MAC over the
 * previous head; counters move in the same transaction.
 *
 * Chain heads are read inside each write transaction (BEGIN IMMEDIATE holds the
 * write lock), never cached, so another connection writing to the same file
 * (retention, a CLI command, the other thread) cannot fork a chain.
 */
export function createGroupCommit(db: Kysely<DatabaseSchema>, sqlite: Sqlite.Database, key: Buffer, now: () => number = Date.now): GroupCommit {
  const st = createLogStatements(db, sqlite);
  const findClientEvent = sqlite.prepare('SELECT log_id, created_at FROM client_event_ids WHERE owner = ? AND event_id = ?');
  const rememberClientEvent = sqlite.prepare('INSERT INTO client_event_ids (owner, event_id, log_id, created_at) VALUES (?, ?, ?, ?)');

  const insert = (row: PendingRow, head: ChainHead, nextId: number, counters: CounterBatch): number => {
    const r = row as PendingRow & { id: number; version: number; mac: Buffer };
    r.id = nextId;
    r.version = 0;
    r.mac = rowMac(key, head.head_mac, r, stateCanon(r));
    st.insertRow.run(r as unknown as Record<string, unknown>);
    counters.add(r.created_at, r.event_type, r.status, r.user_role, 1, r.response_time_ms);
    head.head_id = nextId;
    head.head_mac = r.mac;
    head.record_count += 1;
    return nextId;
  };

  const update = (id: number, set: PendingUpdate, head: ChainHead, nextId: number, counters: CounterBatch, at: number): CommitOutcome => {
    const current = st.rowState.get<RowState & { id: number; created_at: number; event_type: string; user_role: string | null }>({ id });
    if (!current) return { code: 'NOT_FOUND', message: `No socket log row with id ${id}.` };
    const next: RowState = { ...current, ...set, version: Number(current.version) + 1 };
    // The row is processed once it has an outcome; processed_at records when.
    const outcome = next.status !== 'pending' || next.processed === 1;
    if (outcome) next.processed = 1;
    if (outcome && current.processed_at === null) next.processed_at = at;
    const before = stateDigest(current);
    const after = stateDigest(next);
    // The first update keeps the row's initial state: the insert MAC covers it (see chain.ts).
    const changes = JSON.stringify(next.version === 1 ? { set, initial: stateCanon(current) } : { set });
    const record = { id: nextId, log_id: id, version: next.version, at, changes, before_digest: before, after_digest: after };
    const mac = updateMac(key, head.head_mac, record);
    st.insertUpdate.run({ ...record, mac });
    st.updateRowState.run({ ...next, id });
    if (current.status !== next.status || current.response_time_ms !== next.response_time_ms) {
      counters.add(Number(current.created_at), current.event_type, current.status, current.user_role, -1, current.response_time_ms);
      counters.add(Number(current.created_at), current.event_type, next.status, current.user_role, 1, next.response_time_ms);
    }
    head.head_id = nextId;
    head.head_mac = mac;
    head.record_count += 1;
    return id;
  };

  const access = (e: AccessRecordInput, head: ChainHead, nextId: number): number => {
    const record = { id: nextId, at: e.at, actor: e.actor, actor_role: e.actorRole, channel: e.channel, query: e.query, params: e.paramsJson, row_count: e.rowCount };
    const mac = accessMac(key, head.head_mac, record);
    st.insertAccess.run({ ...record, mac });
    head.head_id = nextId;
    head.head_mac = mac;
    head.record_count += 1;
    return nextId;
  };

  const transaction = sqlite.transaction((ops: CommitOp[]): CommitResult => {
    const at = now();
    const counters = new CounterBatch();
    const outcomes: CommitOutcome[] = [];
    let rows: ChainHead | null = null;
    let updates: ChainHead | null = null;
    let accesses: ChainHead | null = null;
    let nextRow = 0;
    let nextUpdate = 0;
    let nextAccess = 0;
    for (const op of ops) {
      if (op.kind === 'insert') {
        if (!rows) {
          rows = readHead(st, 'rows');
          nextRow = Math.max(rows.head_id, maxId(st.maxRowId.get({}))) + 1;
        }
        const ref = op.clientEvent;
        if (ref) {
          // Inside the write transaction: a resend in the same batch, or one after a crash, finds the original.
          const seen = findClientEvent.get(ref.owner, ref.eventId) as { log_id: number; created_at: number } | undefined;
          if (seen) {
            outcomes.push({ duplicateOf: seen.log_id, createdAt: seen.created_at });
            continue;
          }
        }
        const id = insert(op.row, rows, nextRow++, counters);
        if (ref) rememberClientEvent.run(ref.owner, ref.eventId, id, op.row.created_at);
        outcomes.push(id);
      } else if (op.kind === 'update') {
        if (!updates) {
          updates = readHead(st, 'updates');
          nextUpdate = Math.max(updates.head_id, maxId(st.maxUpdateId.get({}))) + 1;
        }
        const outcome = update(op.id, op.update, updates, nextUpdate, counters, at);
        if (typeof outcome === 'number') nextUpdate += 1;
        outcomes.push(outcome);
      } else {
        if (!accesses) {
          accesses = readHead(st, 'access');
          nextAccess = Math.max(accesses.head_id, maxId(st.maxAccessId.get({}))) + 1;
        }
        outcomes.push(access(op.entry, accesses, nextAccess++));
      }
    }
    counters.apply(st);
    for (const head of [rows, updates, accesses]) if (head) writeHead(st, key, head);
    return { outcomes, totalRows: (rows as ChainHead | null)?.record_count };
  });

  return { statements: st, commit: (ops) => transaction.immediate(ops) };
}
