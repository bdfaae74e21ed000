import { z } from 'zod';

/**
 * The bridge's own settings (`config.bridge`), with defaults for a control room:
 * keep trying forever, never faster than the initial delay, never slower than
 * the cap, with jitter so a fleet of consoles does not reconnect in lockstep.
 */
export const BridgeSettingsSchema = z.object({
  backoffInitialMs: z.coerce.number().int().min(10).max(600_000).default(1_000),
  backoffMaxMs: z.coerce.number().int().min(10).max(3_600_000).default(10_000),
  backoffMultiplier: z.coerce.number().min(1).max(10).default(2),
  /** Fraction of each delay that is randomised (0 = none, 0.5 = delay in [d/2, d]). */
  jitter: z.coerce.number().min(0).max(1).default(0.5),
  /** Give up after this many consecutive failed attempts; null keeps trying. */
  maxAttempts: z.coerce.number().int().positive().nullable().default(null),
  /** A rejected token will not fix itself quickly: wait at least this long before trying it again. */
  authRetryMs: z.coerce.number().int().min(10).default(60_000),
  connectTimeoutMs: z.coerce.number().int().min(50).default(5_000),
  /** How long the CAD has to ack an outbound message before it is sent again. */
  ackTimeoutMs: z.coerce.number().int().min(50).default(5_000),
  /** Outbound messages in flight at once (order is kept by the single connection). */
  outboxWindow: z.coerce.number().int().min(1).max(1024).default(64),
  /** Delivered outbox rows are kept this long for audit, then pruned. */
  outboxRetentionHours: z.coerce.number().min(0).default(72),
  /** Ask for a snapshot on every (re)connect; gaps in the sequence always trigger one. */
  resyncOnConnect: z.boolean().default(true),
  snapshotTimeoutMs: z.coerce.number().int().min(50).default(10_000),
  /** Raise a cad_link alert when the link has been down this long (flaps shorter than this stay quiet). */
  disconnectAlertAfterMs: z.coerce.number().int().min(0).default(30_000),
  /** Health pushes caused only by outbox depth are coalesced to at most one per this interval. */
  healthPushIntervalMs: z.coerce.number().int().min(0).default(250),
  /** Write every inbound CAD event to the socket log. */
  logInbound: z.boolean().default(true),
  /** Cluster mode: the CAD link lease lasts this long unless renewed; a standby takes it over once it expired. */
  leaseTtlMs: z.coerce.number().int().min(200).max(120_000).default(5_000),
  /** Cluster mode: how often the holder renews the lease and tells the other nodes about the link, and every node re-reads the outbox counts. */
  leaseRenewMs: z.coerce.number().int().min(50).max(30_000).default(1_000),
  transports: z.array(z.enum(['websocket', 'polling'])).default(['websocket'])
});
export type BridgeSettings = z.output<typeof BridgeSettingsSchema>;

/** Delay before attempt `attempt` (1-based), with jitter drawn from `random`. */
export function backoffDelay(settings: BridgeSettings, attempt: number, random: () => number = Math.random): number {
  const exp = settings.backoffInitialMs * settings.backoffMultiplier ** Math.max(0, attempt - 1);
  const capped = Math.min(settings.backoffMaxMs, exp);
  return Math.round(capped * (1 - settings.jitter * random()));
}
