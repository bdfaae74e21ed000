import type { AccessEntry, SocketLogRecord, VerifyReport } from '../../../../shared/contract/log';
import type { ExportFormat, ExportResult } from '../export/exporter';
import type { RetentionResult } from '../integrity/retention';
import type { Page, RowFilter } from '../read/queries';
import type { Combo, SeriesBucket } from '../read/statistics';
import type { MsRange } from '../store/time';
import type { CommitOp, CommitResult } from '../write/groupCommit';

// The data that crosses the seam, re-exported so an implementation imports one module.
export type { AccessEntry, SocketLogRecord, VerifyReport, ExportFormat, ExportResult, RetentionResult, Page, RowFilter, Combo, SeriesBucket, MsRange, CommitOp, CommitResult };
export type { AccessRecordInput, ClientEventRef, CommitOutcome } from '../write/groupCommit';
export type { PendingRow, PendingUpdate } from '../write/normalize';

/** A batch made durable: each op's outcome, and how long the commit itself took (metrics). */
export interface AppendResult {
  result: CommitResult;
  commitMs: number;
}

/**
 * Why an appended batch was not acknowledged. `commit`: the transaction failed and
 * rolled back, nothing of the batch is stored. `sync` / `thread`: the commit may have
 * happened but is not known to be durable, so the callers are told "may not have
 * been recorded". `code` is the storage's own error code (SQLITE_CORRUPT,
 * WAL_REPLACED, a PostgreSQL SQLSTATE...), for the file guard and the logs.
 */
export interface AppendFailure extends Error {
  readonly stage: 'commit' | 'sync' | 'thread';
  readonly code?: string;
}

/** The access log's query (who read the log), newest first. */
export interface AccessLogQuery extends Page {
  actor?: string;
  start_date?: number;
  end_date?: number;
}

/** An export of the rows a filter selects into `outFile`, with its signed manifest beside it. */
export interface StorageExportOptions {
  format: ExportFormat;
  filter: RowFilter;
  outFile: string;
  createdBy: string;
  onProgress?(done: number, total: number | null): void;
}

/**
 * The socket log's storage: everything the log service needs from a database,
 * and nothing about how the service validates, scrubs, batches, audits or
 * serves it. The service (log/service.ts) owns one; the hub, the bridge and the
 * routes never see it. SQLite is the first implementation
 * (storage/sqlite/sqliteLogStorage.ts); a PostgreSQL one fills the same contract.
 *
 * The contract every implementation keeps:
 *
 * - **Durability.** `append` resolves only when every op of the batch is durable:
 *   it survives the process being killed and the machine losing power. The hub
 *   acknowledges a device when its entry's promise resolves, so the ack always
 *   follows the commit, never the other way round. A rejected append rejects with
 *   an `AppendFailure`; the callers of its ops are all told the event was not (or
 *   may not have been) recorded.
 * - **Atomic batches, in order.** One `append` is one transaction: all of its ops
 *   or none. Ops apply in array order and `result.outcomes[i]` answers `ops[i]`.
 *   Ids (`socket_logs.id`) grow with commit order and are never reused, so "rows
 *   after id N" is a stable cursor; `created_at` never goes back between
 *   consecutive ids (the service supplies a steady clock). Appends may overlap
 *   (`acceptsBatch`), and then commit in the order they were called.
 * - **Idempotency by client event id.** An insert with a `clientEvent`
 *   `{owner, eventId}` already stored writes nothing and answers
 *   `{duplicateOf: firstId, createdAt}`, also when the first is in the same batch.
 *   An update of an id that does not exist answers `{code: 'NOT_FOUND'}` on its
 *   own; the rest of the batch commits.
 * - **Chain.** Rows, updates and access records are each HMAC-chained
 *   (store/chain.ts) with the log's key, inside the transaction that writes them:
 *   each MAC covers the previous one, and the chain heads (sealed) are read and
 *   written in that transaction, so two writers (the commit thread and the main
 *   connection, or two cluster nodes) can never fork a chain. The per-minute and
 *   per-hour counters that statistics read move in the same transaction.
 * - **Reads** see only committed data. `listRows` pages newest first by
 *   `(created_at, id)`; `countRows` stops at `cap`. Statistics answer from the
 *   counters where whole minutes allow.
 * - **Export** reads one consistent snapshot, writes the file and a manifest
 *   signed with the log's Ed25519 key (integrity/manifest.ts) that covers exactly
 *   the rows written.
 * - **Verify** walks the chains from their anchors and names the first bad record.
 */
export interface LogStorage {
  /** Which implementation this is (logs, metrics). */
  readonly kind: string;

  // Write path ------------------------------------------------------------------

  /** Commits the batch in one durable transaction (see the contract above). */
  append(ops: readonly CommitOp[]): Promise<AppendResult>;
  /**
   * False while the storage holds as many batches in flight as it takes: the
   * writer keeps queueing and sends the next batch when an append answers.
   */
  acceptsBatch(): boolean;
  /** Where the next append runs, for `log.stats` and /metrics (SQLite: 'thread' or 'inline'). */
  committing(): 'thread' | 'inline';
  /** Rows in the log when the storage opened (the rows chain's sealed count). */
  totalRows(): number;

  // Reads -----------------------------------------------------------------------

  listRows(filter: RowFilter, page: Page): Promise<SocketLogRecord[]>;
  countRows(filter: RowFilter, cap: number): Promise<{ total: number; capped: boolean }>;
  /** The newest `created_at` per event type within the filter. */
  lastActivity(eventTypes: readonly string[], filter: RowFilter): Promise<Map<string, number>>;
  accessLog(query: AccessLogQuery): Promise<{ rows: AccessEntry[]; total: number }>;

  // Statistics ------------------------------------------------------------------

  /** Counts per (event type, status, role) over `range` (`to` exclusive), optionally one user's. */
  aggregate(range: MsRange, userId?: string): Promise<Combo[]>;
  /** The same counts read from the rows themselves (exact to the millisecond; for short ranges). */
  rowCombos(filter: RowFilter): Promise<Combo[]>;
  timeSeries(range: MsRange, bucketMs: number): Promise<SeriesBucket[]>;
  /** Brings what the first statistics query reads into memory (optional upkeep at start). */
  warm(): Promise<void>;
  /** Bytes the log takes in storage, and of those its write-ahead log's (`log.stats`); cheap, called every few seconds. */
  size(): { bytes: number; walBytes: number };

  // Export, verify, retention -----------------------------------------------------

  exportTo(options: StorageExportOptions): Promise<ExportResult>;
  verify(): Promise<VerifyReport>;
  /** Archives then deletes the rows older than `days`, moving each chain's sealed anchor. */
  cleanup(days: number): Promise<RetentionResult>;

  /** Answers what is in flight, then releases connections and threads. */
  close(): Promise<void>;
}
