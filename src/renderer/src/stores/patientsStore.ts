import { create } from 'zustand';
import type { EventPayload } from '../../../shared/contract';
import { api } from '../lib/api';
import { frameBatch } from '../lib/frameBatch';

export interface VitalSample {
  at: number;
  values: Record<string, number>;
  abnormal: boolean;
}

/**
 * Alert limits drawn on the vitals charts. They mirror the hub's defaults
 * (src/main/core/hub/hubConfig.ts); the contract does not carry the configured
 * limits yet, so a centre that changes them sees the defaults here.
 */
export const VITAL_LIMITS: Record<string, { label: string; unit: string; min?: number; max?: number }> = {
  heart_rate: { label: 'Heart rate', unit: ' bpm', min: 50, max: 120 },
  spo2: { label: 'SpO₂', unit: '%', min: 92 },
  systolic: { label: 'Systolic BP', unit: ' mmHg', max: 140 },
  diastolic: { label: 'Diastolic BP', unit: ' mmHg', max: 90 },
  respiratory_rate: { label: 'Respiratory rate', unit: '/min', min: 10, max: 25 },
  temperature: { label: 'Temperature', unit: '°C', min: 35, max: 38.5 }
};

interface PatientsState {
  watched: string[];
  followOpenAlerts: boolean;
  /** Rolling samples per patient (newest last), capped. */
  vitals: Record<string, VitalSample[]>;
  error: string | null;
  watch(patientId: string): Promise<void>;
  unwatch(patientId: string): Promise<void>;
  renew(): Promise<void>;
  setFollowOpenAlerts(on: boolean): void;
  apply(items: EventPayload<'patient.vitals'>[]): void;
}

const MAX_SAMPLES = 240;

type VitalsPush = Partial<EventPayload<'patient.vitals'>> & { timestamp?: unknown };

/**
 * One chart sample from a push or a room-history entry. It reads the hub's
 * flattened `vitals` (heart_rate, spo2, systolic...), never the device's raw
 * `values`: a monitor sends heart rate as `{ value: 72 }`, which the raw read
 * filed under "value", so only blood pressure ever reached the charts.
 */
export function sampleOf(v: VitalsPush): VitalSample | null {
  const values: Record<string, number> = {};
  for (const [key, raw] of Object.entries(v.vitals ?? {})) if (typeof raw === 'number' && Number.isFinite(raw)) values[key] = raw;
  if (!Object.keys(values).length) return null;
  const when = typeof v.at === 'string' ? v.at : typeof v.timestamp === 'string' ? v.timestamp : '';
  const at = Date.parse(when);
  return { at: Number.isFinite(at) ? at : Date.now(), values, abnormal: v.abnormal ?? false };
}

export const usePatients = create<PatientsState>((set, get) => ({
  watched: [],
  followOpenAlerts: false,
  vitals: {},
  error: null,
  async watch(patientId) {
    // The console joins the patient's rooms through the contract (the room-alert protocol's joinPatientMonitoring).
    const result = await api.call('patients.watch', { patient_id: patientId });
    if (!result.ok) {
      set({ error: result.error.message });
      return;
    }
    const history = result.value.history
      .filter((h) => h.event === 'patient.vitals' || h.event === 'vitals' || h.event === 'vitals_update')
      .map((h) => (h.data && typeof h.data === 'object' ? sampleOf(h.data as VitalsPush) : null));
    const samples = history.filter((s): s is VitalSample => s !== null);
    set({
      watched: get().watched.includes(patientId) ? get().watched : [...get().watched, patientId],
      error: null,
      vitals: { ...get().vitals, [patientId]: [...samples, ...(get().vitals[patientId] ?? [])].sort((a, b) => a.at - b.at).slice(-MAX_SAMPLES) }
    });
  },
  async unwatch(patientId) {
    set({ watched: get().watched.filter((p) => p !== patientId) });
    await api.call('patients.unwatch', { patient_id: patientId });
  },
  async renew() {
    for (const id of get().watched) await api.call('patients.watch', { patient_id: id });
  },
  setFollowOpenAlerts(followOpenAlerts) {
    set({ followOpenAlerts });
  },
  apply(items) {
    const vitals = { ...get().vitals };
    for (const item of items) {
      const sample = sampleOf(item);
      if (sample) vitals[item.patient_id] = [...(vitals[item.patient_id] ?? []), sample].slice(-MAX_SAMPLES);
    }
    set({ vitals });
  }
}));

export function subscribePatients(): () => void {
  const push = frameBatch<EventPayload<'patient.vitals'>>((items) => usePatients.getState().apply(items));
  const stop = api.onTyped('patient.vitals', push);
  // A watch lasts minutes unless renewed (hub config watchMinutes).
  const renew = setInterval(() => void usePatients.getState().renew(), 4 * 60_000);
  return () => {
    stop();
    clearInterval(renew);
  };
}
