import { claimPeriodicRun } from '../cluster/periodicClaim';
import type { VerifyReport } from '../../../shared/contract/log';
import type { CoreContext } from '../coreContext';
import { registerLogMetrics } from './metrics';
import { parseLogConfig, type LogConfig, type LogThresholds } from './config';
import { createExportJobs, type ExportJobs } from './export/exportJobs';
import { registerLogHandlers } from './handlers';
import type { LogFileGuard } from './integrity/fileGuard';
import type { RetentionResult } from './integrity/retention';
import { startMonitor } from './read/monitor';
import { createLogReads, type LogReads, type Reader } from './read/reads';
import { registerLogRoutes } from './routes';
import { parseClusterConfig } from '../cluster/clusterConfig';
import { openLogStorage } from './storage/openLogStorage';
import type { PostgresLog } from './storage/postgres/pgLogStorage';
import type { SocketLogWriter } from './types';
import type { UserIndexer } from './userIndex/userIndexer';
import { watchClockSteps } from './write/clockSteps';
import { createLogWriter, type AccessEntryInput, type WriterStats } from './write/writer';

/** The socket log as other domains see it: the writer the hub and bridge use, plus reads and upkeep. */
export interface SocketLog extends SocketLogWriter {
  recordAccess(entry: AccessEntryInput): Promise<{ id: number }>;
  reads: LogReads;
  exports: ExportJobs;
  /** The seed's cleanup_old_socket_logs: archive then delete rows older than `days`; returns how many left. */
  cleanupOldSocketLogs(days?: number): Promise<number>;
  retention(days?: number): Promise<RetentionResult>;
  verify(reader: Reader): Promise<VerifyReport>;
  thresholds(): LogThresholds;
  setThresholds(next: LogThresholds): void;
  /** Judges the thresholds now (normally on a timer). */
  evaluateThresholds(): Promise<void>;
  stats(): WriterStats;
  /** WAL frames after the last checkpoint and how many it copied back (null before the first). */
  checkpoint(): { log: number; checkpointed: number } | null;
  /** The per-user index: `runNow` indexes what is committed (tests), `last` is the last pass. */
  userIndex: Pick<UserIndexer, 'runNow' | 'last'>;
  config: LogConfig;
  /** Whether the log's files are trusted for acknowledgements (fileGuard.ts). */
  guard: Pick<LogFileGuard, 'fenced' | 'probe'>;
  /** Which storage holds the log: 'sqlite', or 'postgres' in cluster mode. */
  storageKind: string;
  /** Cluster mode only: this node's chain on PostgreSQL. */
  postgres: Pick<PostgresLog, 'stats'> | null;
}

/**
 * Starts the socket log: group-commit writer, tamper-evidence chains, REST and
 * console reads (each recorded in the access log), exports, retention on a
 * schedule, threshold alerts, `log.stats` pushes and off-thread WAL checkpoints.
 * Started first among the domains: the hub and bridge write through it.
 */
export async function startSocketLog(ctx: CoreContext): Promise<SocketLog> {
  const config = parseLogConfig(ctx.config.log);
  const logger = ctx.logger.child({ domain: 'log' });
  // Everything below reaches the database through `storage` (storage/LogStorage.ts) only:
  // the node's SQLite file, or in cluster mode the cluster's PostgreSQL.
  const opened = await openLogStorage({ database: ctx.database, dataDir: ctx.config.dataDir, logger, alerts: ctx.alerts, config, cluster: parseClusterConfig(ctx.config) });
  const { storage, keys, guard } = opened;
  const writer = createLogWriter({
    storage,
    scrubber: ctx.scrubber,
    logger,
    maxBatch: config.maxBatch,
    minCommitIntervalMs: config.minCommitIntervalMs,
    guard
  });
  const reads = createLogReads(storage, writer);
  const exports = createExportJobs({ storage, dataDir: ctx.config.dataDir, bus: ctx.bus, writer, logger });
  let thresholds = config.thresholds;
  void storage.warm().catch((err: unknown) => logger.warn({ err }, 'statistics warm-up failed'));

  const runRetention = async (days = config.retentionDays) => {
    const result = await storage.cleanup(days);
    if (result.deleted > 0) logger.info({ deleted: result.deleted, archive: result.archive, anchorId: result.anchorId }, 'socket log retention archived and deleted old rows');
    return result;
  };
  const verify = async (reader: Reader) => {
    const report = await storage.verify();
    await writer.recordAccess({ actor: reader.actor, actorRole: reader.role, channel: reader.channel, query: 'verify', params: {}, rowCount: report.checked.rows });
    if (!report.ok) logger.error({ firstBad: report.first_bad }, 'socket log verification found tampering');
    return report;
  };

  const monitor = startMonitor({
    storage,
    writer,
    bus: ctx.bus,
    alerts: ctx.alerts,
    logger,
    thresholds: () => thresholds,
    statsIntervalMs: config.statsIntervalMs,
    evaluateIntervalMs: config.evaluateIntervalMs
  });
  let retentionTimer: NodeJS.Timeout | null = null;
  if (config.retentionIntervalMinutes > 0) {
    const periodMs = config.retentionIntervalMinutes * 60_000;
    // Cluster mode: every node has the timer, and one node per period runs it.
    const cluster = ctx.clusterState;
    const due = cluster ? () => claimPeriodicRun(cluster.pg, 'log-retention', periodMs, cluster.node) : async () => true;
    retentionTimer = setInterval(() => {
      due()
        .then((mine) => (mine ? runRetention() : undefined))
        .catch((err: unknown) => logger.error({ err }, 'scheduled socket log retention failed'));
    }, periodMs);
    retentionTimer.unref();
  }

  const service: SocketLog = {
    createSocketLog: (entry) => writer.createSocketLog(entry),
    updateSocketLog: (id, update) => writer.updateSocketLog(id, update),
    flush: () => writer.flush(),
    lagMs: () => writer.lagMs(),
    recordAccess: (entry) => writer.recordAccess(entry),
    reads,
    exports,
    cleanupOldSocketLogs: async (days) => (await runRetention(days)).deleted,
    retention: runRetention,
    verify,
    thresholds: () => thresholds,
    setThresholds(next) {
      thresholds = next;
      logger.info({ thresholds: next }, 'socket log thresholds changed');
    },
    evaluateThresholds: () => monitor.evaluate(),
    stats: () => writer.stats(),
    checkpoint: opened.checkpoint,
    userIndex: opened.userIndex,
    config,
    guard,
    storageKind: storage.kind,
    postgres: opened.postgres
  };

  registerLogRoutes(ctx.http.router, { reads, exports, verify });
  registerLogHandlers(ctx.api, {
    reads,
    exports,
    verify,
    thresholds: service.thresholds,
    setThresholds: service.setThresholds,
    retention: runRetention
  });

  const stopClockWatch = watchClockSteps({ writer, alerts: ctx.alerts, logger });
  ctx.onClose(async () => {
    stopClockWatch();
    guard.close();
    if (retentionTimer) clearInterval(retentionTimer);
    monitor.close();
    await writer.close();
    await storage.close();
  });
  registerLogMetrics(ctx.metrics, service);
  logger.info({ retentionDays: config.retentionDays, keyId: keys.keyId, storage: storage.kind }, 'socket log started');
  return service;
}
