import { describe, expect, it } from 'vitest';
import { createSequenceTracker } from '../../../src/main/core/bridge/sequence';
import { backoffDelay, BridgeSettingsSchema } from '../../../src/main/core/bridge/settings';

describe('the CAD sequence tracker', () => {
  it('accepts the next event, skips what a snapshot already covered, and flags gaps and new epochs', () => {
    const t = createSequenceTracker();
    expect(t.observe('e1', 5)).toBe('unsynced');
    t.reset('e1', 10);
    expect(t.observe('e1', 9)).toBe('stale');
    expect(t.observe('e1', 10)).toBe('stale');
    expect(t.observe('e1', 11)).toBe('next');
    expect(t.observe('e1', 14)).toBe('gap');
    expect(t.observe('e1', 15)).toBe('next');
    expect(t.observe('e2', 1)).toBe('epoch_changed');
    expect(t.observe('e2', 2)).toBe('next');
    expect(t.gaps()).toBe(2);
    expect(t.position()).toEqual({ epoch: 'e2', seq: 2 });
  });
});

describe('reconnection backoff', () => {
  const settings = BridgeSettingsSchema.parse({ backoffInitialMs: 1000, backoffMaxMs: 10_000, jitter: 0.5 });

  it('doubles from the initial delay up to the cap and keeps trying by default', () => {
    const noJitter = () => 0;
    expect([1, 2, 3, 4, 5, 8].map((n) => backoffDelay(settings, n, noJitter))).toEqual([1000, 2000, 4000, 8000, 10_000, 10_000]);
    expect(settings.maxAttempts).toBeNull();
  });

  it('spreads delays with jitter but never beyond the cap or under half of it', () => {
    expect(backoffDelay(settings, 10, () => 0.999)).toBeGreaterThanOrEqual(5000);
    expect(backoffDelay(settings, 10, () => 0.999)).toBeLessThan(5100);
    expect(backoffDelay(settings, 10, () => 0)).toBe(10_000);
  });

  it('refuses nonsense settings', () => {
    expect(BridgeSettingsSchema.safeParse({ backoffInitialMs: -5 }).success).toBe(false);
    expect(BridgeSettingsSchema.safeParse({ transports: ['carrier-pigeon'] }).success).toBe(false);
  });
});
