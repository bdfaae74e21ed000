import { io, type Socket } from 'socket.io-client';
import {
  CONSOLE_NAMESPACE,
  events,
  isEventName,
  methods,
  type EventName,
  type EventPayload,
  type MethodInput,
  type MethodName,
  type MethodOutput
} from '../../../shared/contract';
import { createConsoleLink, type LinkState, type ResyncDetail, type ResyncReason } from '../../../shared/contract/consoleLink';
import type { ConsoleTransport } from '../../../shared/contract/transport';
import { OUTPUT_ACCEPTORS } from '../../../shared/contract/snapshotAcceptor';
import type { Result } from '../../../shared/result';

/**
 * The console's only door to the core. In Electron the preload's
 * `window.switchboard` carries the contract over IPC; in a browser the same
 * contract travels over the `/console` Socket.IO namespace of the page's origin.
 * Nothing else in the renderer knows which one it has.
 */

export type { LinkState, ResyncReason };
type EventListener = (name: string, payload: unknown) => void;

const TOKEN_KEY = 'switchboard.session';
const OPERATOR_KEY = 'switchboard.operator';

interface BrowserTransport extends ConsoleTransport {
  onLink(listener: (state: LinkState) => void): () => void;
  onResync(listener: (reason: ResyncReason, detail: ResyncDetail) => void): () => void;
}

function socketTransport(): BrowserTransport {
  const eventListeners = new Set<EventListener>();
  // A token kept from an earlier sign-in resumes the session at every (re)connect.
  const socket: Socket = io(CONSOLE_NAMESPACE, {
    transports: ['websocket'],
    auth: (cb) => cb(sessionStorage.getItem(TOKEN_KEY) ? { token: sessionStorage.getItem(TOKEN_KEY) } : {})
  });
  // Calls go through the link: refused at once while it is not live, deadline-bound when sent.
  const link = createConsoleLink(socket);
  socket.on('connect_error', (err) => {
    // A stale token is refused at the handshake: forget it and connect anonymously.
    if (sessionStorage.getItem(TOKEN_KEY) && /token|session|operator|expired/i.test(err.message)) {
      sessionStorage.removeItem(TOKEN_KEY);
      socket.connect();
    }
  });
  // The core ends a revoked or expired session with a server-side disconnect, which
  // socket.io-client treats as final. Connect again: the refused token then signs this
  // workstation out (the sign-in screen) instead of leaving what looks like an outage.
  socket.on('disconnect', (reason) => {
    if (reason === 'io server disconnect') socket.connect();
  });
  socket.on('event', (name: unknown, payload: unknown) => {
    if (typeof name === 'string') eventListeners.forEach((l) => l(name, payload));
  });
  return {
    call: (method, input) => link.call(method, input),
    onEvent(listener) {
      eventListeners.add(listener);
      return () => eventListeners.delete(listener);
    },
    onLink(listener) {
      listener(link.state());
      return link.onState(listener);
    },
    onResync: (listener) => link.onResync(listener)
  };
}

function createApi() {
  type AnyTransport = ConsoleTransport & { onLink?: BrowserTransport['onLink']; onResync?: BrowserTransport['onResync'] };
  let transport: AnyTransport | null = null;
  const get = (): AnyTransport => (transport ??= window.switchboard ?? socketTransport());

  /** Calls a contract method; the answer is parsed by the method's output schema. */
  async function call<M extends MethodName>(name: M, input: MethodInput<M>): Promise<Result<MethodOutput<M>>> {
    const result = await get().call(name, input);
    if (!result.ok) return result;
    // The large answers' hand-written acceptors first; what they do not accept the schema judges.
    const accepted = OUTPUT_ACCEPTORS[name]?.(result.value);
    if (accepted !== undefined) return { ok: true, value: accepted as MethodOutput<M> };
    const parsed = methods[name].output.safeParse(result.value);
    if (!parsed.success) {
      console.warn(`switchboard: ${name} answered with an unexpected shape`, parsed.error.issues.slice(0, 3));
      return { ok: false, error: { code: 'INTERNAL', message: `${name} answered with an unexpected shape.` } };
    }
    return { ok: true, value: parsed.data as MethodOutput<M> };
  }

  /** The browser transport sends the kept token in its handshake, so calls made before auth.resume answers are already signed in. */
  const resumesAtConnect = () => !window.switchboard;

  /**
   * Subscribes to pushed events by name. Payloads of contract events are parsed
   * by their schema; a malformed one is dropped with a warning, never rendered.
   */
  function on(names: readonly string[], listener: (name: string, payload: unknown) => void): () => void {
    const wanted = new Set(names);
    return get().onEvent((name, payload) => {
      if (!wanted.has(name)) return;
      if (isEventName(name)) {
        const parsed = events[name].payload.safeParse(payload);
        if (!parsed.success) {
          console.warn(`switchboard: dropped malformed ${name} event`);
          return;
        }
        listener(name, parsed.data);
        return;
      }
      listener(name, payload);
    });
  }

  function onTyped<E extends EventName>(name: E, listener: (payload: EventPayload<E>) => void): () => void {
    return on([name], (_n, payload) => listener(payload as EventPayload<E>));
  }

  function onLink(listener: (state: LinkState) => void): () => void {
    const t = get();
    if (t.onLink) return t.onLink(listener);
    listener('up'); // IPC to our own main process is always there.
    return () => undefined;
  }

  /** The core restarted (new boot id) or the link was lost and came back: the picture may be incomplete. */
  function onResync(listener: (reason: ResyncReason, detail: ResyncDetail) => void): () => void {
    return get().onResync?.(listener) ?? (() => undefined);
  }

  return {
    call,
    resumesAtConnect,
    on,
    onTyped,
    onLink,
    onResync,
    session: {
      token: () => sessionStorage.getItem(TOKEN_KEY),
      keep: (token: string) => sessionStorage.setItem(TOKEN_KEY, token),
      forget: () => {
        sessionStorage.removeItem(TOKEN_KEY);
        sessionStorage.removeItem(OPERATOR_KEY);
      },
      /** Who the kept token belongs to (not a secret): lets a reload draw the console before resume answers. */
      operator: (): { username: string; role: string } | null => {
        try {
          return JSON.parse(sessionStorage.getItem(OPERATOR_KEY) ?? 'null') as { username: string; role: string } | null;
        } catch {
          return null;
        }
      },
      keepOperator: (operator: { username: string; role: string }) => sessionStorage.setItem(OPERATOR_KEY, JSON.stringify(operator))
    },
    /** Bearer token for REST downloads (export), the same session token. */
    authHeader: (): Record<string, string> => {
      const token = sessionStorage.getItem(TOKEN_KEY);
      return token ? { authorization: `Bearer ${token}` } : {};
    }
  };
}

export type Api = ReturnType<typeof createApi>;
export const api: Api = createApi();
