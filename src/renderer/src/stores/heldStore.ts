import { create } from 'zustand';
import type { HeldMessage } from '../../../shared/contract/bridge';
import { api } from '../lib/api';
import { useDispatch } from './dispatchStore';

const HELD_NOTE = 'Held: the CAD restarted. Re-confirm or discard it in the banner above.';

/** Board rows say what happened to their assignment: held (Assign usable again), discarded, or re-sent. */
function reflectOnBoard(messages: HeldMessage[], decided?: { message: HeldMessage; decision: 'confirm' | 'discard' }) {
  const pending = { ...useDispatch.getState().pendingAssignments };
  for (const m of messages) {
    const incidentId = m.event === 'assignment:send' ? m.body.incident_id : undefined;
    if (typeof incidentId === 'string' && typeof m.body.unit_id === 'string') pending[incidentId] = { unitId: m.body.unit_id, sentAt: Date.parse(m.created_at), error: HELD_NOTE };
  }
  const incidentId = decided?.message.event === 'assignment:send' ? decided.message.body.incident_id : undefined;
  if (typeof incidentId === 'string') {
    if (decided!.decision === 'discard') delete pending[incidentId];
    else pending[incidentId] = { unitId: String(decided!.message.body.unit_id), sentAt: Date.now(), error: null };
  }
  useDispatch.setState({ pendingAssignments: pending });
}

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
    if (!result.ok) return;
    set({ messages: result.value, error: null });
    if (result.value.length) reflectOnBoard(result.value);
  },
  async decide(id, decision) {
    set({ busy: { ...get().busy, [id]: true }, error: null });
    const result = await api.call(decision === 'confirm' ? 'bridge.confirmHeld' : 'bridge.discardHeld', { outbox_id: id });
    const busy = { ...get().busy };
    delete busy[id];
    set({ busy, error: result.ok ? null : result.error.message });
    const message = get().messages.find((m) => m.outbox_id === id);
    if (result.ok && message) reflectOnBoard([], { message, decision });
    await get().load();
  }
}));
