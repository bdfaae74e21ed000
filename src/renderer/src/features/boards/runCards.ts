import { create } from 'zustand';
import { DEFAULT_RUN_CARDS, type RunCards, type RunCardTable } from '../../../../shared/contract/runCards';
import { api } from '../../lib/api';

/** The centre's run cards, from the core (a supervisor sets them; suggestions use them at once). */
interface RunCardState {
  value: RunCards;
  error: string | null;
  load(): Promise<void>;
  /** Null when saved, else the core's sentence saying what to fix. */
  save(next: RunCardTable): Promise<string | null>;
}

export const useRunCards = create<RunCardState>((set) => ({
  value: DEFAULT_RUN_CARDS,
  error: null,
  async load() {
    const result = await api.call('dispatch.runCards', {});
    // A reload after a reconnect mostly brings back the same setting: keeping the object spares every subscriber a render.
    if (result.ok) set((s) => ({ value: JSON.stringify(s.value) === JSON.stringify(result.value) ? s.value : result.value, error: null }));
    else set({ error: result.error.message });
  },
  async save(next) {
    const result = await api.call('dispatch.setRunCards', next);
    if (!result.ok) return result.error.message;
    set({ value: result.value, error: null });
    return null;
  }
}));

/** Follows supervisors' changes: the editor shows them and suggestions are fetched again. */
export function subscribeRunCards(): () => void {
  return api.on(['dispatch.runCardsUpdated'], (_name, payload) => useRunCards.setState({ value: payload as RunCards }));
}
