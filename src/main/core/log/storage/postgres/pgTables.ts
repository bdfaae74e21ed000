/**
 * The cluster's PostgreSQL tables as kysely sees them (pgMigrations.ts creates
 * them). Times are timestamptz (Date in JS); ids are bigint, parsed to numbers by
 * pgDatabase.ts (they stay far below 2^53).
 */
/** The columns a device event is written with, all covered by the row's MAC. */
export interface PgRowColumns {
  event_type: string;
  socket_id: string;
  user_id: string | null;
  user_role: string | null;
  event_data: string | null;
  request_data: string | null;
  response_data: string | null;
  patient_latitude: number | null;
  patient_longitude: number | null;
  hospital_id: string | null;
  hospital_name: string | null;
  distance_km: number | null;
  /** The outcome the row was written with (covered by the MAC, never changed). */
  status: string;
  error_message: string | null;
  processed: boolean;
  response_time_ms: number | null;
  ip_address: string | null;
  user_agent: string | null;
  session_duration: number | null;
  client_event_id: string | null;
}

export interface PgSocketLogsTable extends PgRowColumns {
  id: number;
  created_at: Date;
  /** The node incarnation whose chain holds this row, and its place in that chain. */
  incarnation: string;
  chain_seq: number;
  mac: Buffer;
  /** The outcome now, and how many update records led to it (updates are chained records). */
  current_status: string;
  version: number;
  /** The row's values now (migration 005): what update records changed, else what it was written with. */
  cur_response_data: string | null;
  cur_error_message: string | null;
  cur_response_time_ms: number | null;
  cur_hospital_id: string | null;
  cur_hospital_name: string | null;
  cur_distance_km: number | null;
  cur_processed: boolean;
  processed_at: Date | null;
}

export interface PgSocketLogAccessTable {
  id: number;
  at: Date;
  actor: string;
  actor_role: string | null;
  channel: string;
  query: string;
  params: string;
  row_count: number;
  incarnation: string;
  chain_seq: number;
  mac: Buffer;
}

/** Where a chain starts once retention dropped its oldest records (sealed: `anchor_mac`). */
export interface PgLogAnchorsTable {
  incarnation: string;
  seq: number;
  mac: Buffer;
  anchor_mac: Buffer;
  moved_at: Date;
}

export interface PgSocketLogIdCounterTable {
  only_row: boolean;
  last_id: number;
  last_created_at: Date;
}

export interface PgSocketLogUpdatesTable {
  log_id: number;
  at: Date;
  incarnation: string;
  chain_seq: number;
  version: number;
  changes: string;
  mac: Buffer;
}

export interface PgClientEventIdsTable {
  owner: string;
  event_id: string;
  log_id: number;
  created_at: Date;
}

export interface PgLogChainsTable {
  incarnation: string;
  node: string;
  started_at: Date;
  last_seq: number;
  last_mac: Buffer;
  /** MAC over (incarnation, last_seq, last_mac): a truncated tail shows even between checkpoints. */
  head_mac: Buffer;
  checkpointed_seq: number;
}

export interface PgLogCheckpointsTable {
  seq: number;
  created_at: Date;
  node: string;
  /** JSON [[incarnation, seq, macHex], ...]: the chain heads this checkpoint seals. */
  heads: string;
  mac: Buffer;
}

export interface PgLogCountersTable {
  minute: Date;
  node: string;
  event_type: string;
  status: string;
  user_role: string;
  count: number;
  rt_sum: number;
  rt_count: number;
}

export interface PgClusterNodesTable {
  name: string;
  incarnation: string;
  url: string | null;
  started_at: Date;
  heartbeat_at: Date;
  stopped_at: Date | null;
}

export interface PgLeasesTable {
  name: string;
  holder: string | null;
  holder_incarnation: string | null;
  epoch: number;
  expires_at: Date;
}

export interface PgSchema {
  socket_logs: PgSocketLogsTable;
  socket_log_updates: PgSocketLogUpdatesTable;
  client_event_ids: PgClientEventIdsTable;
  log_chains: PgLogChainsTable;
  log_checkpoints: PgLogCheckpointsTable;
  log_counters: PgLogCountersTable;
  socket_log_access: PgSocketLogAccessTable;
  log_anchors: PgLogAnchorsTable;
  socket_log_id_counter: PgSocketLogIdCounterTable;
  cluster_nodes: PgClusterNodesTable;
  leases: PgLeasesTable;
}
