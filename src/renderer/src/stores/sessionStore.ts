import { create } from 'zustand';
import type { OperatorRole } from '../../../shared/roles';
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

/** Who is signed in on this workstation, and whether the core is reachable. */
export const useSession = create<SessionState>((set) => ({
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
    set({ busy: false, status: 'signedIn', operator: { username: result.value.username, role: result.value.role } });
    return true;
  },
  async resume() {
    const token = api.session.token();
    if (!token) {
      set({ status: 'signedOut' });
      return;
    }
    const result = await api.call('auth.resume', { token });
    if (!result.ok) {
      api.session.forget();
      set({ status: 'signedOut', operator: null });
      return;
    }
    set({ status: 'signedIn', operator: { username: result.value.username, role: result.value.role } });
  },
  async signOut() {
    await api.call('auth.signOut', {});
    api.session.forget();
    set({ status: 'signedOut', operator: null });
  }
}));

/** Wires the transport's link state into the store once, at start-up. */
export function watchLink(): () => void {
  return api.onLink((link) => {
    const was = useSession.getState().link;
    useSession.setState({ link });
    // After a reconnect the socket is a new session on the server: resume it.
    if (link === 'up' && was === 'down' && useSession.getState().status === 'signedIn') void useSession.getState().resume();
  });
}
