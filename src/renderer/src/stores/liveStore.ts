import { create } from 'zustand';
import { freezeClock } from '../components/useNow';
import { api, type LinkState, type ResyncReason } from '../lib/api';
import { useAlerts } from './alertsStore';
import { useDispatch } from './dispatchStore';
import { useHealth } from './healthStore';
import { useHeld } from './heldStore';

interface LiveState {
  link: LinkState;
  /** The last moment the console's picture was known live (ms since the epoch). */
  liveAt: number | null;
  /** When the current outage began, or null while live. */
  outageSince: number | null;
  /** The last time the console threw its picture away and reloaded it. */
  resync: { at: number; reason: ResyncReason; node?: string } | null;
  /** Bumped on every resync: the shell reloads every store when it changes. */
  generation: number;
  dismissResync(): void;
}

/** Whether the console is looking at a live picture: only then may anyone act on it. */
export const isLiveLink = (link: LinkState) => link === 'up';

export const useLive = create<LiveState>((set) => ({
  link: 'connecting',
  liveAt: null,
  outageSince: null,
  resync: null,
  generation: 0,
  dismissResync: () => set({ resync: null })
}));

export const useIsLive = () => useLive((s) => isLiveLink(s.link));

/**
 * Follows the link: stops the timers when it goes quiet, and after a
 * reconnect (same core or a restarted one) asks for a full reload, because
 * whatever was pushed while the link was down is lost.
 */
export function watchLiveness(): () => void {
  const stopLink = api.onLink((link) => {
    const state = useLive.getState();
    const now = Date.now();
    if (isLiveLink(link)) {
      freezeClock(null);
      useLive.setState({ link, liveAt: now, outageSince: null });
      return;
    }
    const wasLive = isLiveLink(state.link);
    // Freeze at the last moment the picture was live (a silent link stopped answering a while ago).
    const since = state.outageSince ?? (wasLive ? (state.liveAt ?? now) : now);
    if (wasLive || state.liveAt !== null) freezeClock(since);
    useLive.setState({ link, outageSince: since });
  });
  // Mark the picture live on every heartbeat answer too: an outage starts from the last moment it was known true.
  const stopBeat = api.on(['system.heartbeat'], () => {
    if (isLiveLink(useLive.getState().link)) useLive.setState({ liveAt: Date.now() });
  });
  const stopResync = api.onResync((reason, detail) => {
    performance.mark('switchboard:resync-start');
    useLive.setState((s) => ({ resync: { at: Date.now(), reason, node: detail?.node }, generation: s.generation + 1 }));
  });
  return () => {
    stopLink();
    stopBeat();
    stopResync();
  };
}

/**
 * Throws the console's picture away before a reload: after a restart the old
 * picture holds calls, units and alerts the core no longer has, and merging a
 * snapshot into it would keep them (a restarted core showed 15 incidents while
 * a console left open kept 169).
 */
export function forgetPicture(): void {
  const dispatch = useDispatch.getState();
  useDispatch.setState({
    units: new Map(),
    incidents: new Map(),
    hospitals: new Map(),
    requests: new Map(),
    changedUnits: [...dispatch.units.keys()],
    pendingAssignments: {},
    selected: null
  });
  useAlerts.setState({ byId: {}, unread: {} });
  // The old core's last heartbeat says nothing about the new link (the strip would read SILENT until the next one).
  useHealth.setState({ heartbeatAt: null });
  useHeld.setState({ messages: [] });
}
