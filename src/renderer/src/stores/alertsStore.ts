import { create } from 'zustand';
import { MAX_TONE_MUTE_MINUTES, type Alert } from '../../../shared/contract/alerts';
import { api } from '../lib/api';
import { frameBatch } from '../lib/frameBatch';

export type AlertFilter = { severity: Alert['severity'] | 'all'; kind: Alert['kind'] | 'all'; show: 'open' | 'unacknowledged' | 'all' };

interface AlertsState {
  byId: Record<string, Alert>;
  /** Alerts this console has shown since they were raised but nobody opened the alerts view yet. */
  unread: Record<string, true>;
  available: boolean;
  error: string | null;
  /** Until when (ms) this workstation's alarm is silenced; 0 = sounding. A mute always ends on its own. */
  mutedUntil: number;
  filter: AlertFilter;
  load(): Promise<void>;
  acknowledge(id: string): Promise<string | null>;
  markAllRead(): void;
  /** Silences the alarm here for `minutes` (the core logs who did it); returns an error message or null. */
  muteFor(minutes: number): Promise<string | null>;
  unmute(): void;
  setFilter(filter: Partial<AlertFilter>): void;
  apply(alerts: Alert[]): void;
}

const MUTE_KEY = 'switchboard.alerts.mutedUntil';

function storedMute(): number {
  const until = Number(localStorage.getItem(MUTE_KEY));
  // A stored mute never outlives the longest mute the core grants.
  return Number.isFinite(until) && until > Date.now() && until - Date.now() <= MAX_TONE_MUTE_MINUTES * 60_000 ? until : 0;
}

export const useAlerts = create<AlertsState>((set, get) => ({
  byId: {},
  unread: {},
  available: true,
  error: null,
  mutedUntil: storedMute(),
  filter: { severity: 'all', kind: 'all', show: 'open' },
  async load() {
    const result = await api.call('alerts.list', { includeResolved: true, limit: 500 });
    if (!result.ok) {
      set({ available: result.error.code !== 'NOT_IMPLEMENTED' && result.error.code !== 'FORBIDDEN', error: result.error.message });
      return;
    }
    const byId: Record<string, Alert> = {};
    const unread: Record<string, true> = {};
    for (const alert of result.value) {
      byId[alert.id] = alert;
      if (!alert.acknowledged_at && !alert.cleared_at && !alert.displayed_at) unread[alert.id] = true;
    }
    set({ byId, unread, error: null, available: true });
  },
  async acknowledge(id) {
    const result = await api.call('alerts.acknowledge', { id });
    if (!result.ok) return result.error.message;
    get().apply([result.value]);
    return null;
  },
  markAllRead() {
    const unread = get().unread;
    const ids = Object.keys(unread);
    if (!ids.length) return;
    set({ unread: {} });
    // Receipt to the core: a person has now seen these alerts.
    for (const id of ids) void api.call('alerts.displayed', { id });
  },
  async muteFor(minutes) {
    // The mute is recorded by the core first: an unlogged silence is not allowed.
    const result = await api.call('alerts.muteTone', { minutes });
    if (!result.ok) return result.error.message;
    const until = Date.parse(result.value.muted_until);
    localStorage.setItem(MUTE_KEY, String(until));
    set({ mutedUntil: until });
    return null;
  },
  unmute() {
    localStorage.removeItem(MUTE_KEY);
    set({ mutedUntil: 0 });
  },
  setFilter(filter) {
    set({ filter: { ...get().filter, ...filter } });
  },
  apply(alerts) {
    const byId = { ...get().byId };
    const unread = { ...get().unread };
    for (const alert of alerts) {
      const before = byId[alert.id];
      byId[alert.id] = alert;
      if (alert.acknowledged_at || alert.cleared_at) delete unread[alert.id];
      else if (!before) unread[alert.id] = true;
    }
    set({ byId, unread });
  }
}));

/** Live alerts from pushed events, applied once per frame; a delivery receipt goes back for each new one. */
export function subscribeAlerts(): () => void {
  const push = frameBatch<Alert>((alerts) => useAlerts.getState().apply(alerts));
  return api.on(['alert.raised', 'alert.updated'], (name, payload) => {
    const alert = payload as Alert;
    if (name === 'alert.raised' && !alert.delivered_at) void api.call('alerts.delivered', { id: alert.id });
    push(alert);
  });
}

export const SEVERITY_RANK: Record<Alert['severity'], number> = { critical: 0, warning: 1, info: 2 };

export function isOpen(alert: Alert): boolean {
  return !alert.cleared_at;
}

export function selectVisibleAlerts(state: Pick<AlertsState, 'byId' | 'filter'>): Alert[] {
  const { severity, kind, show } = state.filter;
  return Object.values(state.byId)
    .filter((a) => (severity === 'all' || a.severity === severity) && (kind === 'all' || a.kind === kind))
    .filter((a) => (show === 'all' ? true : show === 'open' ? isOpen(a) : isOpen(a) && !a.acknowledged_at))
    .sort((a, b) => {
      const openA = isOpen(a) && !a.acknowledged_at ? 0 : 1;
      const openB = isOpen(b) && !b.acknowledged_at ? 0 : 1;
      return openA - openB || SEVERITY_RANK[a.severity] - SEVERITY_RANK[b.severity] || b.raised_at.localeCompare(a.raised_at);
    });
}

export const countUnacknowledgedCritical = (byId: Record<string, Alert>): number => countUnacknowledged(byId, 'critical');

/** Open alerts of one severity nobody has acknowledged yet: what the counters say they count. */
export function countUnacknowledged(byId: Record<string, Alert>, severity: Alert['severity']): number {
  let n = 0;
  for (const a of Object.values(byId)) if (a.severity === severity && !a.acknowledged_at && !a.cleared_at) n += 1;
  return n;
}

/** The unacknowledged critical alerts, oldest first: the order they must be handled in. */
export function unacknowledgedCritical(byId: Record<string, Alert>): Alert[] {
  return Object.values(byId)
    .filter((a) => a.severity === 'critical' && !a.acknowledged_at && !a.cleared_at)
    .sort((a, b) => a.raised_at.localeCompare(b.raised_at));
}

export const isMuted = (mutedUntil: number, now = Date.now()) => mutedUntil > now;
