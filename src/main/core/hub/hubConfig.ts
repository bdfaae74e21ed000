import { z } from 'zod';

const VitalLimitSchema = z.object({
  min: z.number().optional(),
  max: z.number().optional(),
  criticalMin: z.number().optional(),
  criticalMax: z.number().optional()
});
export type VitalLimit = z.infer<typeof VitalLimitSchema>;

/**
 * The hub's part of the core config (`config.hub`), parsed here with defaults.
 * Every number a centre might want to tune lives here, not in code.
 */
export const HubConfigSchema = z.object({
  /** Token bucket per connection: sustained events per second and burst size. */
  ratePerSecond: z.coerce.number().positive().default(50),
  burst: z.coerce.number().int().positive().default(100),
  /**
   * The window the rate is measured over before a client counts as flooding: one that
   * sends more than ratePerSecond x this + burst events within it (refused ones count)
   * is disconnected. A device catching up on a queue after a stall stays well inside it.
   */
  floodWindowSeconds: z.coerce.number().positive().default(30),
  /** How long an identity disconnected for flooding is refused (RATE_LIMITED, with retry_after_ms). */
  floodCooldownSeconds: z.coerce.number().nonnegative().default(60),
  /** Client event ids remembered in memory in front of the durable table (see clientEventIds.ts). */
  recentEventIds: z.coerce.number().int().positive().default(50_000),
  /**
   * On shutdown, how long events already taken may take to be answered before the transports
   * close. Admission keeps the log under maxLogLagMs behind, so taken events answer well within
   * it; the whole stop must fit the desktop app's quit timeout (15 s).
   */
  shutdownDrainMs: z.coerce.number().int().positive().default(5_000),
  /**
   * Under overload new events are refused (UNAVAILABLE, "retry") instead of queued once
   * the socket log is this far behind: the age of its oldest unanswered write. A time,
   * not a count, so the bound on ack latency is the same at 1k and at 15k events/s.
   * Seconds, not milliseconds: a slow fsync or a GC pause must not turn into refusals
   * (at 500 ms the fuzzer's legitimate clients got 29 in a CI run); a log that stays
   * this far behind cannot keep up.
   */
  maxLogLagMs: z.coerce.number().int().positive().default(2_000),
  /** And, whatever the lag, once this many log writes are in flight (a memory bound). */
  maxPendingLogWrites: z.coerce.number().int().positive().default(20_000),
  maxPayloadBytes: z.coerce.number().int().positive().default(64 * 1024),
  /** Rooms one connection may be in at once: each costs memory in every room index. */
  maxRoomsPerConnection: z.coerce.number().int().positive().default(200),
  /** Triage ids the hub remembers (those published); joins of others are refused. */
  maxKnownTriageIds: z.coerce.number().int().positive().default(10_000),
  /** What the hub may queue for one client that stops reading before it cuts it off. */
  maxClientBufferBytes: z.coerce.number().int().positive().default(8 * 1024 * 1024),
  /** Messages kept per room for history requests, SSE Last-Event-ID and WebSocket resume. */
  historyPerRoom: z.coerce.number().int().min(1).max(10_000).default(100),
  /** Seconds an unanswered ambulance request waits before the next hospital gets it. */
  ambulanceResponseTimeoutSeconds: z.coerce.number().positive().default(60),
  /** How many hospitals a request may be offered to before it fails. */
  ambulanceMaxAttempts: z.coerce.number().int().positive().default(5),
  /** Expected reporting interval (s) by kind: `crew`, `device` or a device type; quiet past it = stale. */
  reportingIntervalSeconds: z.record(z.string(), z.coerce.number().positive()).default({}),
  /** How many intervals of silence before the stale alert (1 = exactly past the interval). */
  staleAfterIntervals: z.coerce.number().positive().default(2),
  staleCheckSeconds: z.coerce.number().positive().default(1),
  /** Seconds before an unacknowledged critical alert escalates (also read by the alert center). */
  alertEscalateSeconds: z.coerce.number().positive().default(120),
  statsIntervalSeconds: z.coerce.number().positive().default(2),
  /** Seconds a measurement must stay abnormal before a warning reaches the consoles (critical values raise at once). */
  vitalsRaiseAfterSeconds: z.coerce.number().min(0).default(10),
  /** Seconds a measurement must stay normal (with the hysteresis margin) before its alert clears. */
  vitalsClearAfterSeconds: z.coerce.number().min(0).default(20),
  /** Fraction of a limit a value must be back inside it by before the alert may clear (0.03 = 3%). */
  vitalsHysteresis: z.coerce.number().min(0).max(0.5).default(0.03),
  /** Minutes a console's patients.watch lasts unless renewed. */
  watchMinutes: z.coerce.number().positive().default(10),
  vitals: z
    .object({
      systolic: VitalLimitSchema.default({ max: 140, criticalMax: 180, criticalMin: 80 }),
      diastolic: VitalLimitSchema.default({ max: 90, criticalMax: 120 }),
      heart_rate: VitalLimitSchema.default({ min: 50, max: 120, criticalMin: 40, criticalMax: 150 }),
      spo2: VitalLimitSchema.default({ min: 92, criticalMin: 85 }),
      temperature: VitalLimitSchema.default({ min: 35, max: 38.5, criticalMin: 34, criticalMax: 40 }),
      respiratory_rate: VitalLimitSchema.default({ min: 10, max: 25, criticalMin: 6, criticalMax: 35 })
    })
    .default({
      systolic: { max: 140, criticalMax: 180, criticalMin: 80 },
      diastolic: { max: 90, criticalMax: 120 },
      heart_rate: { min: 50, max: 120, criticalMin: 40, criticalMax: 150 },
      spo2: { min: 92, criticalMin: 85 },
      temperature: { min: 35, max: 38.5, criticalMin: 34, criticalMax: 40 },
      respiratory_rate: { min: 10, max: 25, criticalMin: 6, criticalMax: 35 }
    }),
  /** Hospitals seed file (JSON array) used when the registry is empty. */
  hospitalsFile: z.string().optional()
});
export type HubConfig = z.output<typeof HubConfigSchema>;

export const DEFAULT_REPORTING_INTERVALS: Record<string, number> = { crew: 30, device: 60 };

export function parseHubConfig(raw: unknown): HubConfig {
  return HubConfigSchema.parse(raw ?? {});
}
