import type { HubConfig, VitalLimit } from './hubConfig';

export interface VitalFinding {
  /** Which measurement: systolic, diastolic, heart_rate, spo2, temperature, respiratory_rate. */
  metric: string;
  value: number;
  severity: 'warning' | 'critical';
  direction: 'high' | 'low';
}

export interface VitalsReading {
  /** Flat numeric readings, e.g. { systolic: 150, diastolic: 95 } or { heart_rate: 72 }. */
  vitals: Record<string, number>;
  findings: VitalFinding[];
  /** The device-stream protocol's alert type for the reading (high_blood_pressure, low_spo2...). */
  alertType: string | null;
}

const SINGLE_VALUE_TYPES = new Set(['heart_rate', 'spo2', 'temperature', 'respiratory_rate']);

const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);

/** Turns a device reading into flat numbers: `values.value`, `values[data_type]` or named fields. */
export function flattenVitals(dataType: string, values: Record<string, unknown>): Record<string, number> {
  const out: Record<string, number> = {};
  if (dataType === 'blood_pressure') {
    const systolic = num(values.systolic);
    const diastolic = num(values.diastolic);
    if (systolic !== null) out.systolic = systolic;
    if (diastolic !== null) out.diastolic = diastolic;
    const pulse = num(values.pulse) ?? num(values.heart_rate);
    if (pulse !== null) out.heart_rate = pulse;
    return out;
  }
  if (SINGLE_VALUE_TYPES.has(dataType)) {
    const value = num(values.value) ?? num(values[dataType]) ?? num(values.bpm) ?? num(values.percent) ?? num(values.celsius);
    if (value !== null) out[dataType] = value;
    return out;
  }
  // Multi-parameter monitors send everything at once.
  for (const key of ['systolic', 'diastolic', 'heart_rate', 'spo2', 'temperature', 'respiratory_rate']) {
    const value = num(values[key]);
    if (value !== null) out[key] = value;
  }
  return out;
}

function check(metric: string, value: number, limit: VitalLimit | undefined): VitalFinding | null {
  if (!limit) return null;
  if (limit.criticalMax !== undefined && value > limit.criticalMax) return { metric, value, severity: 'critical', direction: 'high' };
  if (limit.criticalMin !== undefined && value < limit.criticalMin) return { metric, value, severity: 'critical', direction: 'low' };
  if (limit.max !== undefined && value > limit.max) return { metric, value, severity: 'warning', direction: 'high' };
  if (limit.min !== undefined && value < limit.min) return { metric, value, severity: 'warning', direction: 'low' };
  return null;
}

/** Checks a reading against the configured limits (the device-stream protocol: blood pressure > 140/90 is abnormal). */
export function evaluateVitals(dataType: string, values: Record<string, unknown>, limits: HubConfig['vitals']): VitalsReading {
  const vitals = flattenVitals(dataType, values);
  const findings: VitalFinding[] = [];
  for (const [metric, value] of Object.entries(vitals)) {
    const finding = check(metric, value, (limits as Record<string, VitalLimit | undefined>)[metric]);
    if (finding) findings.push(finding);
  }
  let alertType: string | null = null;
  const first = findings[0];
  if (first) {
    alertType =
      first.metric === 'systolic' || first.metric === 'diastolic'
        ? `${first.direction}_blood_pressure`
        : `${first.direction}_${first.metric}`;
  }
  return { vitals, findings, alertType };
}

export const worstSeverity = (findings: readonly VitalFinding[]): 'warning' | 'critical' | null =>
  findings.length === 0 ? null : findings.some((f) => f.severity === 'critical') ? 'critical' : 'warning';
