import type { Generated } from 'kysely';

/**
 * The socket log's tables. Times are epoch milliseconds (INTEGER): a third of the
 * bytes of ISO text in the row and in every index that carries them, and they
 * map to BIGINT on PostgreSQL. The API turns them back into the seed's ISO strings.
 */
export interface SocketLogsTable {
  id: Generated<number>;
  created_at: number;
  event_type: string;
  socket_id: string;
  user_id: string | null;
  user_role: string | null;
  /** JSON text, secrets scrubbed. */
  event_data: string | null;
  request_data: string | null;
  response_data: string | null;
  patient_latitude: number | null;
  patient_longitude: number | null;
  hospital_id: string | null;
  hospital_name: string | null;
  distance_km: number | null;
  status: Generated<string>;
  error_message: string | null;
  processed: Generated<number>;
  processed_at: number | null;
  response_time_ms: number | null;
  ip_address: string | null;
  user_agent: string | null;
  session_duration: number | null;
  /** How many updates were applied; each one is a record in socket_log_updates. */
  version: Generated<number>;
  /** HMAC chain value over the insert (immutable columns + digest of the initial state). */
  mac: Buffer;
}

/** One record per updateSocketLog, chained on its own (see chain.ts). */
export interface SocketLogUpdatesTable {
  id: Generated<number>;
  log_id: number;
  version: number;
  at: number;
  /** The fields the update set, as JSON (audit history of the row). */
  changes: string;
  before_digest: Buffer;
  after_digest: Buffer;
  mac: Buffer;
}

/** Who read or exported the log, with which query, and how many rows they got. */
export interface SocketLogAccessTable {
  id: Generated<number>;
  at: number;
  actor: string;
  actor_role: string | null;
  channel: string;
  query: string;
  params: string;
  row_count: number;
  mac: Buffer;
}

/**
 * Head and anchor of each chain ('rows', 'updates', 'access'), sealed with the
 * key so a head cannot be moved back to hide a truncated tail.
 */
export interface SocketLogChainsTable {
  chain: string;
  head_id: number;
  head_mac: Buffer;
  /** Last record removed by retention; the first remaining record chains from it. */
  anchor_id: number;
  anchor_mac: Buffer;
  record_count: number;
  seal: Buffer;
}

/**
 * Pre-aggregated counts per minute and per hour, maintained in the same
 * transaction as the rows, so statistics over millions of rows read thousands.
 */
export interface SocketLogCountersTable extends CounterCounts {
  /** 'm' (minute) or 'h' (hour). */
  granularity: string;
  bucket: number;
}

/** Counts for one (event type, status, role) combination: a counter row's payload, or a sum of them. */
export interface CounterCounts {
  event_type: string;
  status: string;
  /** '' when the row had no role. */
  user_role: string;
  count: number;
  rt_sum: number;
  rt_count: number;
}

export interface SocketLogTables {
  socket_logs: SocketLogsTable;
  socket_log_updates: SocketLogUpdatesTable;
  socket_log_access: SocketLogAccessTable;
  socket_log_chains: SocketLogChainsTable;
  socket_log_counters: SocketLogCountersTable;
}
