import { create } from 'zustand';
import { isOperatorRole, type OperatorRole } from '../../../shared/roles';
import { api, type LinkState } from '../lib/api';

export interface Operator {
  username: string;
  role: OperatorRole;
}

interface SessionState {
  status: 'resuming' | 'signedOut' | 'signedIn';
  operator: Operator | null;
  error: string | null;
  busy: boolean;
  link: LinkState;
  signIn(username: string, password: string): Promise<boolean>;
  resume(): Promise<void>;
  signOut(): Promise<void>;
}

const AUTH_REFUSALS = new Set(['UNAUTHENTICATED', 'TOKEN_EXPIRED', 'TOKEN_INVALID', 'FORBIDDEN']);

let renewTimer: ReturnType<typeof setTimeout> | null = null;
/**
 * Session tokens expire (a shift); the server disconnects an expired session.
 * The console asks for a fresh token once four fifths of its life has passed,
 * without a reload and without the password.
 */
function scheduleRenewal(expiresAt: string): void {
  if (renewTimer) clearTimeout(renewTimer);
  const remaining = Date.parse(expiresAt) - Date.now();
  if (!Number.isFinite(remaining) || remaining <= 0) return;
  renewTimer = setTimeout(() => {
    void api.call('auth.renew', {}).then((result) => {
      if (!result.ok) return;
      api.session.keep(result.value.token);
      scheduleRenewal(result.value.expires_at);
    });
  }, Math.min(remaining * 0.8, 2 ** 31 - 1));
}

/** Who is signed in on this workstation, and whether the core is reachable. */
export const useSession = create<SessionState>((set, get) => ({
  status: 'resuming',
  operator: null,
  error: null,
  busy: false,
  link: 'connecting',
  async signIn(username, password) {
    set({ busy: true, error: null });
    const result = await api.call('auth.signIn', { username, password });
    if (!result.ok) {
      set({ busy: false, error: result.error.message });
      return false;
    }
    api.session.keep(result.value.token);
    api.session.keepOperator({ username: result.value.username, role: result.value.role });
    scheduleRenewal(result.value.expires_at);
    set({ busy: false, status: 'signedIn', operator: { username: result.value.username, role: result.value.role } });
    return true;
  },
  async resume() {
    const token = api.session.token();
    if (!token) {
      set({ status: 'signedOut' });
      return;
    }
    // Over the socket the token already signed this connection in at the handshake:
    // draw the console now and let resume confirm it (or sign out) in the background.
    const kept = api.session.operator();
    if (get().status === 'resuming' && api.resumesAtConnect() && kept && isOperatorRole(kept.role)) {
      set({ status: 'signedIn', operator: { username: kept.username, role: kept.role } });
    }
    // Calls are refused while the link is not live; the link coming up resumes (watchLink).
    if (get().link !== 'up') return;
    const result = await api.call('auth.resume', { token });
    if (!result.ok) {
      // Only a refused session signs the workstation out; an unreachable core is retried on reconnect.
      if (AUTH_REFUSALS.has(result.error.code) || get().status !== 'signedIn') {
        if (AUTH_REFUSALS.has(result.error.code)) api.session.forget();
        set({ status: 'signedOut', operator: null, error: AUTH_REFUSALS.has(result.error.code) ? null : result.error.message });
      }
      return;
    }
    performance.mark('switchboard:session-resumed');
    scheduleRenewal(result.value.expires_at);
    api.session.keepOperator({ username: result.value.username, role: result.value.role });
    const current = get().operator;
    if (current?.username !== result.value.username || current.role !== result.value.role || get().status !== 'signedIn') {
      set({ status: 'signedIn', operator: { username: result.value.username, role: result.value.role } });
    }
  },
  async signOut() {
    if (renewTimer) clearTimeout(renewTimer);
    await api.call('auth.signOut', {});
    api.session.forget();
    set({ status: 'signedOut', operator: null });
  }
}));

/** Wires the transport's link state, and the core ending this session, into the store once, at start-up. */
export function watchLink(): () => void {
  const stopLink = api.onLink((link) => {
    const was = useSession.getState().link;
    useSession.setState({ link });
    // At start and after a reconnect the socket is a new session on the server: resume it.
    if (link === 'up' && was !== 'up' && useSession.getState().status !== 'signedOut') void useSession.getState().resume();
  });
  // Over IPC the core says so when it ends this window's session (revoked, disabled, expired): sign out at once.
  const stopEnded = api.onTyped('auth.sessionEnded', ({ message }) => {
    if (renewTimer) clearTimeout(renewTimer);
    api.session.forget();
    useSession.setState({ status: 'signedOut', operator: null, error: message });
  });
  return () => {
    stopLink();
    stopEnded();
  };
}
