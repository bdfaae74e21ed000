import { create } from 'zustand';
import type { UnitStatus as CadUnitStatus } from '../../../../shared/cad';
import { DEFAULT_STATUS_THRESHOLDS, incidentThreshold, type StatusThreshold, type StatusThresholds } from '../../../../shared/contract/statusThresholds';
import type { Thresholds } from '../../components/Timer';
import { api } from '../../lib/api';
import type { UnitStatus } from '../../stores/dispatchModel';

/**
 * The centre's time-in-status thresholds, from the core (a supervisor sets them
 * for every console; they used to be per workstation and anyone could change them).
 */
interface ThresholdState {
  value: StatusThresholds;
  error: string | null;
  load(): Promise<void>;
  save(next: Pick<StatusThresholds, 'incident' | 'unit'>): Promise<string | null>;
}

export const useThresholds = create<ThresholdState>((set) => ({
  value: DEFAULT_STATUS_THRESHOLDS,
  error: null,
  async load() {
    const result = await api.call('dispatch.thresholds', {});
    // A reload after a reconnect mostly brings back the same setting: keeping the object spares every subscriber a render.
    if (result.ok) set((s) => ({ value: JSON.stringify(s.value) === JSON.stringify(result.value) ? s.value : result.value, error: null }));
    else set({ error: result.error.message });
  },
  async save(next) {
    const result = await api.call('dispatch.setThresholds', next);
    if (!result.ok) return result.error.message;
    set({ value: result.value, error: null });
    return null;
  }
}));

export function subscribeThresholds(): () => void {
  return api.on(['dispatch.thresholdsUpdated'], (_name, payload) => useThresholds.setState({ value: payload as StatusThresholds }));
}

/** No threshold for a status means its timer never turns amber or red. */
const NEVER: Thresholds = { warn: Number.POSITIVE_INFINITY, alarm: Number.POSITIVE_INFINITY };
const asTimer = (t: StatusThreshold | undefined): Thresholds => (t ? { warn: t.warn, alarm: t.alarm } : NEVER);

export const incidentTimer = (value: StatusThresholds, priority: number, status: string) => asTimer(incidentThreshold(value, priority, status));

const CAD_STATUS: Partial<Record<UnitStatus, CadUnitStatus>> = {
  available: 'available',
  dispatched: 'dispatched',
  enroute: 'en_route',
  onscene: 'on_scene',
  transporting: 'transporting',
  athospital: 'at_destination',
  outofservice: 'out_of_service'
};

export const unitTimer = (value: StatusThresholds, status: UnitStatus) => {
  const cad = CAD_STATUS[status];
  return asTimer(cad ? value.unit[cad] : undefined);
};
