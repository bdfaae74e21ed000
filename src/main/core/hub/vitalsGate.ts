import type { HubConfig, VitalLimit } from './hubConfig';

export type VitalsDecision = 'raise' | 'clear' | 'hold';

export interface VitalsGate {
  /**
   * What to do with the console alert for `key` after one reading: raise (or
   * refresh) it, clear it, or leave it as it is.
   */
  decide(key: string, severity: 'warning' | 'critical' | null, vitals: Record<string, number>, now?: number): VitalsDecision;
}

/** True when every value sits inside its limits with the hysteresis margin to spare. */
export function clearlyNormal(vitals: Record<string, number>, limits: HubConfig['vitals'], margin: number): boolean {
  for (const [metric, value] of Object.entries(vitals)) {
    const limit = (limits as Record<string, VitalLimit | undefined>)[metric];
    if (!limit) continue;
    if (limit.max !== undefined && value > limit.max - Math.abs(limit.max) * margin) return false;
    if (limit.min !== undefined && value < limit.min + Math.abs(limit.min) * margin) return false;
  }
  return true;
}

/**
 * Debounces monitor alerts so that a reading wobbling around a limit does not
 * raise and clear an alert every few seconds (the demo's monitors made 41 log
 * entries in two minutes). A warning is raised only once the measurement has
 * stayed abnormal for `vitalsRaiseAfterSeconds`; a critical value is raised at
 * once, because waiting would delay the one alert that must not wait. An open
 * alert clears only after readings have stayed inside the limits with the
 * hysteresis margin for `vitalsClearAfterSeconds`.
 */
export function createVitalsGate(config: Pick<HubConfig, 'vitals' | 'vitalsRaiseAfterSeconds' | 'vitalsClearAfterSeconds' | 'vitalsHysteresis'>, isRaised: (key: string) => boolean): VitalsGate {
  const raiseAfterMs = config.vitalsRaiseAfterSeconds * 1000;
  const clearAfterMs = config.vitalsClearAfterSeconds * 1000;
  // Per condition key: since when it has been abnormal (not yet raised) or normal (raised, waiting to clear).
  const abnormalSince = new Map<string, number>();
  const normalSince = new Map<string, number>();
  return {
    decide(key, severity, vitals, now = Date.now()) {
      const raised = isRaised(key);
      if (severity) {
        normalSince.delete(key);
        if (raised) return 'raise';
        const since = abnormalSince.get(key) ?? now;
        abnormalSince.set(key, since);
        if (severity === 'critical' || now - since >= raiseAfterMs) {
          abnormalSince.delete(key);
          return 'raise';
        }
        return 'hold';
      }
      abnormalSince.delete(key);
      if (!raised) return 'hold';
      if (!clearlyNormal(vitals, config.vitals, config.vitalsHysteresis)) {
        normalSince.delete(key);
        return 'hold';
      }
      const since = normalSince.get(key) ?? now;
      normalSince.set(key, since);
      if (now - since < clearAfterMs) return 'hold';
      normalSince.delete(key);
      return 'clear';
    }
  };
}
