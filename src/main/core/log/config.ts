import { z } from 'zod';

/** The seed's alert thresholds; every one can be changed in config or by an admin at runtime. */
export const LogThresholdsSchema = z.object({
  /** Alert when hospitals answer fewer than this percentage of ambulance requests. */
  minResponseRatePercent: z.number().min(0).max(100).default(80),
  /** Alert when the average response time exceeds this many milliseconds. */
  maxAvgResponseTimeMs: z.number().int().positive().default(30_000),
  /** Alert when more than this percentage of events failed. */
  maxErrorRatePercent: z.number().min(0).max(100).default(10),
  /** Alert when at least this many connections failed within burstWindowSeconds. */
  failedConnectionBurst: z.number().int().positive().default(20),
  burstWindowSeconds: z.number().int().positive().max(3600).default(60),
  /** Rates are judged over this trailing window. */
  windowMinutes: z.number().int().positive().max(24 * 60).default(15),
  /** Rates need at least this many events in the window before they can alert (no alarms on 1 of 1). */
  minSample: z.number().int().nonnegative().default(10)
});
export type LogThresholds = z.output<typeof LogThresholdsSchema>;

export const LogConfigSchema = z.object({
  retentionDays: z.number().int().positive().max(36500).default(90),
  /** How often scheduled retention runs; 0 turns the schedule off (on demand still works). */
  retentionIntervalMinutes: z.number().nonnegative().default(60),
  /** PASSIVE WAL checkpoints run this often, off the event loop. */
  checkpointIntervalMs: z.number().int().positive().default(1_000),
  /**
   * How often the user indexer adds recent rows to the per-user index (userIndex.ts).
   * Longer: fewer index pages written per row; shorter: fewer recent rows each
   * per-user query scans. At 10k events/s a second is about 10k rows, a few ms.
   */
  userIndexIntervalMs: z.number().int().positive().max(60_000).default(1_000),
  thresholds: LogThresholdsSchema.default(LogThresholdsSchema.parse({})),
  evaluateIntervalMs: z.number().int().positive().default(10_000),
  statsIntervalMs: z.number().int().positive().default(3_000),
  /** Most operations committed in one transaction; the rest go in the next turn. */
  maxBatch: z.number().int().positive().default(5_000),
  /**
   * Under load, group commits start at most this often (0: every event-loop
   * turn). Each commit rewrites the touched index pages and counters once,
   * so fewer, larger commits cost less per row; when the log is idle an event
   * still commits on the next turn. The bound stops a setting that would add a
   * second to every acknowledgement, yet leaves tests room to hold a batch open.
   */
  minCommitIntervalMs: z.number().int().min(0).max(1_000).default(5),
  /**
   * Where group commits run: 'thread' (a worker with its own connection, so the
   * hub's event loop never waits for SQLite or the disk) or 'inline'.
   */
  commitOn: z.enum(['thread', 'inline']).default('thread'),
  /**
   * How often the file guard compares the database and WAL files with the ones
   * SQLite opened (fileGuard.ts): acknowledgements stop within this after one is
   * deleted, replaced or truncated. A few stat() calls, off the event path.
   */
  fileCheckIntervalMs: z.number().int().positive().max(1_000).default(250),
  /** How often a full PRAGMA quick_check runs on the checkpoint thread (0: only at start); it reads every page. */
  quickCheckIntervalMinutes: z.number().nonnegative().default(30)
});
export type LogConfig = z.output<typeof LogConfigSchema>;

export function parseLogConfig(input: unknown): LogConfig {
  const parsed = LogConfigSchema.safeParse(input ?? {});
  if (!parsed.success) {
    throw new Error(`Invalid socket log settings (config.log): ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  }
  return parsed.data;
}
