import { create } from 'zustand';
import type { Thresholds } from '../../components/Timer';

/** Timer thresholds, configurable per workstation (seconds). */
interface ThresholdState {
  incidentAge: Thresholds;
  unitInStatus: Thresholds;
  set(patch: Partial<Pick<ThresholdState, 'incidentAge' | 'unitInStatus'>>): void;
}

const KEY = 'switchboard.thresholds';
const defaults = { incidentAge: { warn: 120, alarm: 300 }, unitInStatus: { warn: 900, alarm: 1800 } };

function read(): typeof defaults {
  try {
    const raw = JSON.parse(localStorage.getItem(KEY) ?? 'null') as typeof defaults | null;
    if (raw && raw.incidentAge?.warn > 0 && raw.unitInStatus?.warn > 0) return raw;
  } catch {
    // fall back to defaults
  }
  return defaults;
}

export const useThresholds = create<ThresholdState>((set, get) => ({
  ...read(),
  set(patch) {
    set(patch);
    const { incidentAge, unitInStatus } = get();
    localStorage.setItem(KEY, JSON.stringify({ incidentAge, unitInStatus }));
  }
}));
