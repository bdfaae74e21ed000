import { io, type Socket } from 'socket.io-client';
import { CONSOLE_NAMESPACE } from '../../shared/contract';
import { createConsoleLink, type ConsoleLink, type ConsoleLinkOptions } from '../../shared/contract/consoleLink';
import type { ShellLog } from '../window/shellLog';
import type { AttachTlsOptions } from './pinning';

/**
 * An attached workstation's one connection to its centre: the `/console`
 * Socket.IO namespace, exactly as a browser console uses it, held by the
 * main process for every window of this workstation. The console link
 * (shared/contract/consoleLink) gives it the browser's guarantees: calls are
 * refused while the link is not up, carry a deadline, and a silent link is
 * not a live one.
 *
 * The operator's token is kept here, in memory only: after a network blip the
 * new connection presents it in its handshake, so the session is back before
 * any window asks.
 */
export interface AttachedLink {
  readonly link: ConsoleLink;
  readonly url: string;
  /** Pushed events, as the centre sends them to this operator. */
  onEvent(listener: (name: string, payload: unknown) => void): () => void;
  /** The token of the session the windows signed in with (null: signed out). */
  keepToken(token: string | null): void;
  /** Connects with these TLS options: for a link created without them, once the pin could be checked. */
  start(tls: AttachTlsOptions): void;
  close(): void;
}

export interface AttachedLinkOptions {
  url: string;
  /** null: do not connect yet (the pinned certificate could not be checked); `start` connects later. */
  tls: AttachTlsOptions | null;
  log: ShellLog;
  link?: ConsoleLinkOptions;
  /** Reconnection backoff (ms): quick at first, a network blip in a control room is usually short. */
  reconnectDelayMs?: number;
  reconnectDelayMaxMs?: number;
}

/** socket.io-client says "websocket error"; the cause (a refused certificate, a refused connection) is in its description. */
function describeConnectError(err: Error & { description?: unknown }): string {
  const description = err.description as { message?: unknown; error?: { message?: unknown } } | undefined;
  const cause = description?.error?.message ?? description?.message;
  return typeof cause === 'string' && cause !== err.message ? `${err.message}: ${cause}` : err.message;
}

export function createAttachedLink(options: AttachedLinkOptions): AttachedLink {
  let token: string | null = null;
  const listeners = new Set<(name: string, payload: unknown) => void>();
  const socket: Socket = io(`${options.url}${CONSOLE_NAMESPACE}`, {
    transports: ['websocket'],
    reconnectionDelay: options.reconnectDelayMs ?? 500,
    reconnectionDelayMax: options.reconnectDelayMaxMs ?? 5_000,
    auth: (cb) => cb(token ? { token } : {}),
    autoConnect: options.tls !== null,
    ...options.tls
  });
  const link = createConsoleLink(socket, options.link);
  let lastError = '';
  socket.on('connect_error', (err) => {
    // A kept token refused at the handshake (revoked, expired): forget it and connect anonymously; the windows then sign in again.
    if (token && /token|session|operator|expired/i.test(err.message)) {
      token = null;
      socket.connect();
      return;
    }
    // One line per distinct failure, not one per retry.
    const reason = describeConnectError(err);
    if (reason !== lastError) options.log.warn({ url: options.url, err: reason }, 'attached link: cannot reach the centre');
    lastError = reason;
  });
  socket.on('connect', () => {
    if (lastError) options.log.info({ url: options.url }, 'attached link: connected again');
    lastError = '';
  });
  // A server-side disconnect (revoked session, restart) is final for socket.io-client: connect again.
  socket.on('disconnect', (reason) => {
    if (reason === 'io server disconnect') socket.connect();
  });
  socket.on('event', (name: unknown, payload: unknown) => {
    if (typeof name !== 'string') return;
    for (const listener of listeners) {
      try {
        listener(name, payload);
      } catch (err) {
        options.log.warn({ err, event: name }, 'attached link: event listener failed');
      }
    }
  });
  return {
    link,
    url: options.url,
    onEvent(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    keepToken(next) {
      token = next;
    },
    start(tls) {
      // The manager hands its options to every new engine (each reconnect), so these hold from now on.
      Object.assign(socket.io.opts, tls);
      socket.connect();
    },
    close() {
      link.close();
      listeners.clear();
      socket.close();
    }
  };
}
