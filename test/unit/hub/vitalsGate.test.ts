import { describe, expect, it } from 'vitest';
import { parseHubConfig } from '../../../src/main/core/hub/hubConfig';
import { clearlyNormal, createVitalsGate } from '../../../src/main/core/hub/vitalsGate';

/** A gate over a fake "open alerts" set, driven the way the device handler drives it. */
function gateWith(overrides: Record<string, unknown> = {}) {
  const config = parseHubConfig({ vitalsRaiseAfterSeconds: 10, vitalsClearAfterSeconds: 20, vitalsHysteresis: 0.03, ...overrides });
  const open = new Set<string>();
  const gate = createVitalsGate(config, (key) => open.has(key));
  const feed = (key: string, severity: 'warning' | 'critical' | null, vitals: Record<string, number>, at: number) => {
    const decision = gate.decide(key, severity, vitals, at);
    if (decision === 'raise') open.add(key);
    if (decision === 'clear') open.delete(key);
    return decision;
  };
  return { feed, open, config };
}

describe('monitor alert gate', () => {
  it('holds a warning until it has lasted the minimum duration, then raises it', () => {
    const { feed } = gateWith();
    expect(feed('k', 'warning', { heart_rate: 130 }, 0)).toBe('hold');
    expect(feed('k', 'warning', { heart_rate: 131 }, 6_000)).toBe('hold');
    expect(feed('k', 'warning', { heart_rate: 130 }, 10_000)).toBe('raise');
  });

  it('forgets a warning that went away before the minimum duration (a blip raises nothing)', () => {
    const { feed } = gateWith();
    expect(feed('k', 'warning', { heart_rate: 130 }, 0)).toBe('hold');
    expect(feed('k', null, { heart_rate: 80 }, 3_000)).toBe('hold');
    expect(feed('k', 'warning', { heart_rate: 130 }, 9_000)).toBe('hold');
    expect(feed('k', 'warning', { heart_rate: 130 }, 15_000)).toBe('hold');
    expect(feed('k', 'warning', { heart_rate: 130 }, 19_000)).toBe('raise');
  });

  it('raises a critical value at once', () => {
    const { feed } = gateWith();
    expect(feed('k', 'critical', { heart_rate: 178 }, 0)).toBe('raise');
  });

  it('clears only after readings stay clearly normal for the clear duration; a value just inside the limit keeps it open', () => {
    const { feed, open } = gateWith();
    feed('k', 'critical', { heart_rate: 160 }, 0);
    expect(open.has('k')).toBe(true);
    // 119 is inside the limit of 120 but within the 3% band: not yet "normal again".
    expect(feed('k', null, { heart_rate: 119 }, 1_000)).toBe('hold');
    expect(feed('k', null, { heart_rate: 119 }, 60_000)).toBe('hold');
    expect(feed('k', null, { heart_rate: 90 }, 61_000)).toBe('hold');
    expect(feed('k', 'warning', { heart_rate: 125 }, 70_000)).toBe('raise');
    expect(feed('k', null, { heart_rate: 90 }, 71_000)).toBe('hold');
    expect(feed('k', null, { heart_rate: 88 }, 91_000)).toBe('clear');
    expect(open.has('k')).toBe(false);
  });

  it('a flapping monitor (abnormal one reading in three) raises once and never clears in between', () => {
    const { feed } = gateWith();
    const decisions: string[] = [];
    for (let t = 0; t < 120_000; t += 3_000) decisions.push(feed('k', (t / 3_000) % 3 === 0 ? 'critical' : null, { heart_rate: (t / 3_000) % 3 === 0 ? 160 : 90 }, t));
    expect(decisions.filter((d) => d === 'raise').length).toBeGreaterThan(0);
    expect(decisions.filter((d) => d === 'clear')).toEqual([]);
  });

  it('measures normality against limits narrowed by the margin', () => {
    const limits = parseHubConfig({}).vitals;
    expect(clearlyNormal({ systolic: 135, diastolic: 80 }, limits, 0.03)).toBe(true);
    expect(clearlyNormal({ systolic: 138 }, limits, 0.03)).toBe(false);
    expect(clearlyNormal({ spo2: 94 }, limits, 0.03)).toBe(false);
    expect(clearlyNormal({ spo2: 96 }, limits, 0.03)).toBe(true);
  });
});
