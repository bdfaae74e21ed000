/**
 * Per-connection rate state, kept as plain numbers on each connection (10k
 * connections: no extra objects). Two token buckets refilled at the same rate:
 *
 * - `tokens` paces events: at most `burst` at once, then `ratePerSecond`. An
 *   event without a token is refused RATE_LIMITED with a retry time: retryable.
 * - `floodTokens` decides who is flooding: it holds a whole window
 *   (`ratePerSecond x floodWindowSeconds + burst`) and every event received takes
 *   one, refused or not. A device that comes back from a dead zone or a stalled
 *   server with its queue of buffered events is ahead of its rate for a moment and
 *   stays far inside the window; only a client that keeps sending faster than the
 *   rate for most of the window empties it. That client is disconnected and may
 *   come back after a cool-down.
 */
export interface BucketState {
  tokens: number;
  floodTokens: number;
  refilledAt: number;
}

export interface RateLimit {
  ratePerSecond: number;
  burst: number;
  /** The window over which the rate is measured before a client counts as flooding. */
  floodWindowSeconds: number;
}

export const floodCapacity = (limit: RateLimit): number => limit.ratePerSecond * limit.floodWindowSeconds + limit.burst;

export const fullBucket = (limit: RateLimit, now: number): BucketState => ({ tokens: limit.burst, floodTokens: floodCapacity(limit), refilledAt: now });

/** What one event gets: accepted, refused for now (retry later), or refused because the client is flooding. */
export type RateDecision = 'ok' | 'limited' | 'flooding';

/** Refills both buckets by elapsed time, then charges one event. Refused events still count toward flooding. */
export function takeToken(state: BucketState, limit: RateLimit, now: number): RateDecision {
  const elapsed = now > state.refilledAt ? (now - state.refilledAt) / 1000 : 0;
  const refill = elapsed * limit.ratePerSecond;
  state.refilledAt = now;
  state.tokens = Math.min(limit.burst, state.tokens + refill);
  state.floodTokens = Math.min(floodCapacity(limit), state.floodTokens + refill) - 1;
  if (state.floodTokens < 0) return 'flooding';
  if (state.tokens >= 1) {
    state.tokens -= 1;
    return 'ok';
  }
  return 'limited';
}

/** Milliseconds until the pacing bucket has a token again (the RATE_LIMITED answer's retry_after_ms). */
export const retryAfterMs = (state: BucketState, limit: RateLimit): number => Math.max(1, Math.ceil(((1 - state.tokens) / limit.ratePerSecond) * 1000));

/**
 * Identities refused for flooding, until their cool-down ends. Bounded: when a
 * flood of distinct identities fills it, the oldest entries go first (they are
 * also the first to expire).
 */
export interface FloodCooldowns {
  /** Starts a cool-down; returns when it ends (ms since the epoch). */
  start(identityKey: string, now: number): number;
  /** Milliseconds of cool-down left for this identity, 0 when it may connect. */
  remainingMs(identityKey: string, now: number): number;
  size(): number;
}

export function createFloodCooldowns(cooldownMs: number, maxEntries = 10_000): FloodCooldowns {
  const until = new Map<string, number>();
  return {
    start(identityKey, now) {
      const ends = now + cooldownMs;
      until.delete(identityKey);
      until.set(identityKey, ends);
      if (until.size > maxEntries) {
        const oldest = until.keys().next().value;
        if (oldest !== undefined) until.delete(oldest);
      }
      return ends;
    },
    remainingMs(identityKey, now) {
      if (until.size === 0) return 0;
      const ends = until.get(identityKey);
      if (ends === undefined) return 0;
      if (ends <= now) {
        until.delete(identityKey);
        return 0;
      }
      return ends - now;
    },
    size: () => until.size
  };
}

/** One key per identity (role and subject) for cool-downs and client event ids. */
export const identityKey = (identity: { role: string; sub: string }): string => `${identity.role}:${identity.sub}`;
