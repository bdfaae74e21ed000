/** Token bucket state, kept as two numbers on each connection (10k connections: no extra objects). */
export interface BucketState {
  tokens: number;
  refilledAt: number;
}

export interface RateLimit {
  ratePerSecond: number;
  burst: number;
}

export const fullBucket = (limit: RateLimit, now: number): BucketState => ({ tokens: limit.burst, refilledAt: now });

/** Takes one token if there is one; refills by elapsed time first. */
export function takeToken(state: BucketState, limit: RateLimit, now: number): boolean {
  const elapsed = Math.max(0, now - state.refilledAt) / 1000;
  state.tokens = Math.min(limit.burst, state.tokens + elapsed * limit.ratePerSecond);
  state.refilledAt = now;
  if (state.tokens >= 1) {
    state.tokens -= 1;
    return true;
  }
  return false;
}
