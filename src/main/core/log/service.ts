import type { VerifyReport } from '../../../shared/contract/log';
import type { CoreContext } from '../createCore';
import type { LogKeys } from './store/chain';
import { loadGuardedLogKeys } from './integrity/keyGuard';
import { watchClockSteps } from './write/clockSteps';
import { createLogFileGuard, isCorruptionError, type LogFileGuard } from './integrity/fileGuard';
import { startCheckpointer } from './write/checkpointer';
import { parseLogConfig, type LogConfig, type LogThresholds } from './config';
import { createExportJobs, type ExportJobs } from './export/exportJobs';
import { registerLogHandlers } from './handlers';
import { startMonitor } from './read/monitor';
import { createLogReads, type LogReads, type Reader } from './read/reads';
import { createRetention, type RetentionResult } from './integrity/retention';
import { registerLogRoutes } from './routes';
import type { SocketLogWriter } from './types';
import { warmStatistics } from './read/statistics';
import { verifyLogFile } from './integrity/verify';
import { createGroupCommitWriter, type AccessEntryInput, type WriterStats } from './write/writer';
import { openReadOnly } from './read/readConnection';
import { reconcileUserIndex } from './userIndex/userIndex';
import { startUserIndexer, type UserIndexer } from './userIndex/userIndexer';

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
}

declare module '../services' {
  interface CoreServices {
    log: SocketLog;
  }
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
  const { database } = ctx;
  const keys: LogKeys = loadGuardedLogKeys(ctx.config.dataDir, database.sqlite);
  // Before anything writes: entries of rows a power cut took back are dropped (userIndex.ts).
  const reconciled = reconcileUserIndex(database.file, database.sqlite);
  if (reconciled.rebuilt) logger.warn('the per-user index file was unreadable; it is rebuilt from the log');
  if (reconciled.dropped > 0) logger.warn(reconciled, 'user index entries of rows lost in a crash were dropped');
  const guard = createLogFileGuard({ file: database.file, afterDatabaseClose: (fn) => database.afterClose(fn), sqlite: database.sqlite, logger, alerts: ctx.alerts, intervalMs: config.fileCheckIntervalMs });
  const writer = createGroupCommitWriter({
    database,
    keys,
    scrubber: ctx.scrubber,
    logger,
    maxBatch: config.maxBatch,
    minCommitIntervalMs: config.minCommitIntervalMs,
    commitOn: config.commitOn,
    guard
  });
  // Reads run on their own read-only connection, which sees the user index.
  const queries = openReadOnly(database.file);
  const reads = createLogReads(queries.db, writer);
  const exports = createExportJobs({ dbFile: database.file, dataDir: ctx.config.dataDir, keys, bus: ctx.bus, writer, logger });
  const retention = createRetention({
    db: database.db,
    sqlite: database.sqlite,
    statements: writer.statements,
    key: keys.mac,
    keyId: keys.keyId,
    dataDir: ctx.config.dataDir
  });
  let thresholds = config.thresholds;
  void warmStatistics(database.db).catch((err: unknown) => logger.warn({ err }, 'statistics warm-up failed'));

  const runRetention = async (days = config.retentionDays) => {
    const result = await retention.cleanupOldSocketLogs(days);
    if (result.deleted > 0) logger.info({ deleted: result.deleted, archive: result.archive, anchorId: result.anchorId }, 'socket log retention archived and deleted old rows');
    return result;
  };
  // One verification walks the whole chain; callers who ask while one runs share
  // its result instead of starting more walks that would compete for the disk.
  let verifying: Promise<VerifyReport> | null = null;
  const verifyOnce = () => {
    verifying ??= verifyLogFile(database.file, keys.mac).finally(() => {
      verifying = null;
    });
    return verifying;
  };
  const verify = async (reader: Reader) => {
    const report = await verifyOnce();
    await writer.recordAccess({ actor: reader.actor, actorRole: reader.role, channel: reader.channel, query: 'verify', params: {}, rowCount: report.checked.rows });
    if (!report.ok) logger.error({ firstBad: report.first_bad }, 'socket log verification found tampering');
    return report;
  };

  const checkpointer = startCheckpointer({
    file: database.file,
    sqlite: database.sqlite,
    intervalMs: config.checkpointIntervalMs,
    logger,
    quickCheckMs: config.quickCheckIntervalMinutes * 60_000,
    onIntegrity: ({ problems, code }) => {
      if (problems.length === 0) return;
      // Damage found by the check itself, or SQLite refusing to read the file: the log must stop acknowledging.
      if (!code || isCorruptionError({ code, message: problems[0] })) guard.fence('DATABASE_CORRUPT', `the periodic quick check of ${database.file} failed (${problems[0]})`);
      else logger.warn({ problems, code }, 'periodic quick check could not run');
    }
  });
  const userIndex = startUserIndexer({ file: database.file, intervalMs: config.userIndexIntervalMs, logger });
  const monitor = startMonitor({
    db: database.db,
    dbFile: database.file,
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
    retentionTimer = setInterval(() => {
      runRetention().catch((err: unknown) => logger.error({ err }, 'scheduled socket log retention failed'));
    }, config.retentionIntervalMinutes * 60_000);
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
    checkpoint: () => checkpointer.last(),
    userIndex,
    config,
    guard
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
    await checkpointer.close();
    await userIndex.close();
    await queries.db.destroy();
  });
  ctx.services.log = service;
  logger.info({ retentionDays: config.retentionDays, keyId: keys.keyId }, 'socket log started');
  return service;
}
