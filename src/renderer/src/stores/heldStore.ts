import { create } from 'zustand';
import type { HeldMessage } from '../../../shared/contract/bridge';
import { api } from '../lib/api';

interface HeldState {
  messages: HeldMessage[];
  /** Per message: a decision on its way, or why it failed. */
  busy: Record<number, boolean>;
  error: string | null;
  load(): Promise<void>;
  decide(id: number, decision: 'confirm' | 'discard'): Promise<void>;
}

/**
 * Outbound messages the bridge held because the CAD restarted into a new
 * epoch. Reloaded whenever the CAD link's health says how many there are.
 */
export const useHeld = create<HeldState>((set, get) => ({
  messages: [],
  busy: {},
  error: null,
  async load() {
    const result = await api.call('bridge.heldMessages', {});
    if (result.ok) set({ messages: result.value, error: null });
  },
  async decide(id, decision) {
    set({ busy: { ...get().busy, [id]: true }, error: null });
    const result = await api.call(decision === 'confirm' ? 'bridge.confirmHeld' : 'bridge.discardHeld', { outbox_id: id });
    const busy = { ...get().busy };
    delete busy[id];
    set({ busy, error: result.ok ? null : result.error.message });
    await get().load();
  }
}));
