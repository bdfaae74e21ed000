import type { Logger } from 'pino';
import type { VerifyReport } from '../../../../../shared/contract/log';
import type { LogKeys } from '../../store/chain';
import type { LogStorage } from '../LogStorage';
import { startPgAppender, type PgAppenderStats } from './pgAppender';
import { startCheckpoints } from './pgCheckpoints';
import type { PgDatabase } from './pgDatabase';
import { startDailyPartitions } from './pgReady';
import { createPgReads } from './pgReads';
import { createPgRetention } from './pgRetention';
import { createPgStatistics } from './pgStatistics';
import { verifyPostgresLog, type PgVerifyReport } from './pgVerify';
import { exportPostgresLog } from './pgExport';

export interface PostgresLogOptions {
  /** The cluster's PostgreSQL, schema checked (pgReady.ts). */
  pg: PgDatabase;
  /** From the cluster's shared log secret (every node the same): MAC chains and export signatures. */
  keys: LogKeys;
  node: string;
  /** The node's data directory: retention archives go to its `archive/`. */
  dataDir: string;
  logger: Logger;
  /** How often this node seals the chains into the global checkpoint chain. */
  checkpointIntervalMs: number;
  /** The log's clock (update records, retention's cut); the steady clock by default. */
  now?: () => number;
}

/** The socket log on PostgreSQL: the storage, plus what only cluster mode shows (/api/v1/cluster). */
export interface PostgresLog {
  storage: LogStorage;
  stats(): PgAppenderStats;
}

const SIZE_REFRESH_MS = 10_000;

/** The cluster's verification report in the shape the console and REST show for SQLite's. */
export function toVerifyReport(r: PgVerifyReport, durationMs: number): VerifyReport {
  const heads: VerifyReport['heads'] = {};
  for (const [incarnation, h] of Object.entries(r.heads)) heads[incarnation] = { head_id: h.lastSeq, anchor_id: h.anchorSeq, record_count: h.lastSeq - h.anchorSeq };
  const bad = r.firstBad;
  return {
    ok: r.ok,
    checked: { rows: r.rows, updates: r.updates, access: r.access },
    heads,
    first_bad: bad ? { table: bad.logId !== null ? 'socket_logs' : bad.chain, id: bad.logId ?? bad.seq, reason: `${bad.reason} (chain ${bad.chain}, link ${bad.seq})` } : null,
    problems: r.problems,
    duration_ms: durationMs
  };
}

/**
 * Opens the socket log on the cluster's PostgreSQL: the whole LogStorage seam,
 * so the log service's writer, reads, statistics, access log, exports,
 * verification and retention all run against the database every node shares.
 * Writes go through this node incarnation's chain (pgAppender.ts, pgBatch.ts);
 * a checkpoint timer seals every node's chains; daily partitions are created
 * ahead. Nothing is kept in the node's SQLite file.
 */
export async function openPostgresLog(options: PostgresLogOptions): Promise<PostgresLog> {
  const { pg, keys, logger } = options;
  const stopPartitions = await startDailyPartitions(pg, logger);
  const initialRows = Number((await pg.pool.query<{ n: string }>('SELECT coalesce(sum(count), 0)::text AS n FROM log_counters')).rows[0]!.n);
  const appender = await startPgAppender({ pg, key: keys.mac, node: options.node, initialRows, now: options.now });
  const checkpoints = startCheckpoints({ pg, key: keys.mac, node: options.node, intervalMs: options.checkpointIntervalMs, logger });
  const reads = createPgReads(pg);
  const statistics = createPgStatistics(pg);
  const retention = createPgRetention({ pg, keys, dataDir: options.dataDir, logger, now: options.now });

  let size = { bytes: 0, walBytes: 0 };
  let sizedAt = -Infinity;
  let sizing = false;
  const refreshSize = () => {
    if (sizing || performance.now() - sizedAt < SIZE_REFRESH_MS) return;
    sizing = true;
    pg.pool
      .query<{ bytes: string }>("SELECT coalesce(sum(pg_total_relation_size(i.inhrelid)), 0)::text AS bytes FROM pg_inherits i WHERE i.inhparent = 'socket_logs'::regclass")
      .then((res) => (size = { bytes: Number(res.rows[0]!.bytes), walBytes: 0 }))
      .catch((err: unknown) => logger.debug({ err }, 'could not read the log\'s size'))
      .finally(() => {
        sizing = false;
        sizedAt = performance.now();
      });
  };

  let verifying: Promise<VerifyReport> | null = null;
  const storage: LogStorage = {
    kind: 'postgres',
    append: appender.append,
    acceptsBatch: appender.acceptsBatch,
    committing: () => 'inline',
    totalRows: () => initialRows,
    listRows: reads.listRows,
    countRows: reads.countRows,
    lastActivity: reads.lastActivity,
    accessLog: reads.accessLog,
    aggregate: statistics.aggregate,
    rowCombos: statistics.rowCombos,
    timeSeries: statistics.timeSeries,
    warm: async () => undefined,
    size() {
      // The size is read in the background: this is called every few seconds and must not wait.
      refreshSize();
      return size;
    },
    exportTo: (exportOptions) => exportPostgresLog(pg, keys, exportOptions),
    verify() {
      const started = performance.now();
      verifying ??= verifyPostgresLog(pg, keys.mac)
        .then((report) => toVerifyReport(report, performance.now() - started))
        .finally(() => (verifying = null));
      return verifying;
    },
    cleanup: (days) => retention.cleanupOldSocketLogs(days),
    async close() {
      stopPartitions();
      await appender.close();
      await checkpoints.close();
    }
  };
  return { storage, stats: appender.stats };
}
