import fs from 'node:fs';
import { io, type Socket } from 'socket.io-client';
import type { Logger } from 'pino';
import { CAD_AUTH_FAILED } from '../../../shared/cad';
import { backoffDelay, type BridgeSettings } from './settings';

export interface CadTarget {
  url: string | null;
  token: string | null;
}

export interface LinkState {
  connected: boolean;
  /** Consecutive failed attempts since the last successful connection. */
  attempts: number;
  lastConnection: string | null;
  connectedSince: number | null;
  lastError: string | null;
  nextRetryAt: string | null;
  gaveUp: boolean;
}

export interface CadLink {
  state(): LinkState;
  socket(): Socket | null;
  start(): void;
  /** Drops the link and connects again at once, with a fresh backoff. */
  reconnectNow(): void;
  /** Uses a new CAD URL or token; connects with it at once unless `connect` is false (a paused link in cluster mode). */
  setTarget(target: CadTarget, connect?: boolean): void;
  /** Drops the link and stays down until `start` (cluster mode: this node lost the CAD link lease). */
  pause(reason: string): void;
  close(): void;
}

export interface CadLinkOptions {
  settings: BridgeSettings;
  logger: Logger;
  target: CadTarget;
  onConnected(socket: Socket): void;
  onDisconnected(reason: string): void;
  onStateChange(): void;
  random?: () => number;
  /** PEM CA file trusted for an https:// CAD (a private CA or a pinned self-signed certificate); read on every attempt so a renewed file is used. */
  caFile?: string;
}

/** Shows where the CAD is without anything secret: no userinfo, no query string. */
const displayCache = new Map<string, string>();
export function displayUrl(url: string | null): string | null {
  if (!url) return null;
  const cached = displayCache.get(url);
  if (cached) return cached;
  const shown = safeUrl(url);
  if (displayCache.size > 16) displayCache.clear();
  displayCache.set(url, shown);
  return shown;
}

function safeUrl(url: string): string {
  try {
    const parsed = new URL(url);
    parsed.username = '';
    parsed.password = '';
    parsed.search = '';
    parsed.hash = '';
    return parsed.toString().replace(/\/$/, '');
  } catch {
    return '(invalid url)';
  }
}

const isAuthFailure = (err: Error & { data?: unknown }) => {
  const data = err.data as { code?: unknown } | undefined;
  return data?.code === CAD_AUTH_FAILED || /unauthori[sz]ed|auth/i.test(err.message);
};

/**
 * One Socket.IO client connection to the CAD, with our own reconnection loop
 * rather than socket.io-client's: its built-in one stops for good after a
 * middleware refusal (a wrong token) and cannot treat that case differently
 * from a network flap. Each attempt uses a fresh socket, so a new URL or token
 * takes effect on the next attempt.
 */
export function createCadLink(options: CadLinkOptions): CadLink {
  const { settings, logger } = options;
  let target = options.target;
  let current: Socket | null = null;
  let timer: NodeJS.Timeout | null = null;
  let closed = false;
  let generation = 0;
  const state: LinkState = {
    connected: false,
    attempts: 0,
    lastConnection: null,
    connectedSince: null,
    lastError: null,
    nextRetryAt: null,
    gaveUp: false
  };

  const dropSocket = () => {
    if (!current) return;
    const socket = current;
    current = null;
    socket.removeAllListeners();
    socket.io.removeAllListeners();
    socket.disconnect();
  };

  const scheduleRetry = (authFailed: boolean) => {
    if (closed) return;
    if (settings.maxAttempts !== null && state.attempts >= settings.maxAttempts) {
      state.gaveUp = true;
      state.nextRetryAt = null;
      state.lastError = `${state.lastError ?? 'Connection failed'}; gave up after ${state.attempts} attempts (reconnect manually).`;
      logger.error({ attempts: state.attempts }, 'CAD link: giving up');
      options.onStateChange();
      return;
    }
    let delay = backoffDelay(settings, Math.max(1, state.attempts), options.random);
    if (authFailed) delay = Math.max(delay, settings.authRetryMs);
    state.nextRetryAt = new Date(Date.now() + delay).toISOString();
    timer = setTimeout(attempt, delay);
    timer.unref();
    options.onStateChange();
  };

  const attempt = () => {
    timer = null;
    if (closed) return;
    dropSocket();
    state.nextRetryAt = null;
    if (!target.url) {
      state.lastError = 'No CAD URL configured (SWITCHBOARD_CAD_URL, --cad-url, or Settings in the console).';
      options.onStateChange();
      return;
    }
    const myGeneration = ++generation;
    let ca: string | undefined;
    if (options.caFile) {
      try {
        ca = fs.readFileSync(options.caFile, 'utf8');
      } catch (err) {
        state.lastError = `Cannot read the CAD CA file ${options.caFile} (${(err as NodeJS.ErrnoException).code ?? String(err)}): fix --cad-ca.`;
        options.onStateChange();
        return;
      }
    }
    const socket = io(target.url, {
      ...(ca ? { ca } : {}),
      auth: target.token ? { token: target.token } : {},
      reconnection: false,
      forceNew: true,
      timeout: settings.connectTimeoutMs,
      transports: settings.transports
    });
    current = socket;
    socket.on('connect', () => {
      if (myGeneration !== generation) return;
      state.connected = true;
      state.attempts = 0;
      state.lastError = null;
      state.gaveUp = false;
      state.lastConnection = new Date().toISOString();
      state.connectedSince = Date.now();
      logger.info({ cadUrl: displayUrl(target.url) }, 'CAD link up');
      options.onConnected(socket);
      options.onStateChange();
    });
    socket.on('connect_error', (err: Error & { data?: unknown }) => {
      if (myGeneration !== generation) return;
      const auth = isAuthFailure(err);
      state.attempts += 1;
      state.lastError = auth
        ? `Authentication failed: the CAD at ${displayUrl(target.url)} rejected the bridge token (${err.message}). Check SWITCHBOARD_CAD_TOKEN.`
        : `Cannot reach the CAD at ${displayUrl(target.url)}: ${err.message}.`;
      logger.warn({ attempts: state.attempts, auth, cadUrl: displayUrl(target.url), reason: err.message }, 'CAD link: connect failed');
      dropSocket();
      scheduleRetry(auth);
    });
    socket.on('disconnect', (reason) => {
      if (myGeneration !== generation) return;
      const wasConnected = state.connected;
      state.connected = false;
      state.connectedSince = null;
      if (reason === 'io client disconnect') return;
      state.lastError = `Link lost: ${reason}.`;
      logger.warn({ reason }, 'CAD link down');
      dropSocket();
      if (wasConnected) options.onDisconnected(reason);
      state.attempts += 1;
      scheduleRetry(false);
    });
  };

  const cancelTimer = () => {
    if (timer) clearTimeout(timer);
    timer = null;
  };

  const goDown = (reason: string) => {
    generation += 1;
    const wasConnected = state.connected;
    state.connected = false;
    state.connectedSince = null;
    dropSocket();
    if (wasConnected) options.onDisconnected(reason);
  };

  return {
    state: () => ({ ...state }),
    socket: () => (state.connected ? current : null),
    start() {
      if (!timer && !current) attempt();
    },
    reconnectNow() {
      cancelTimer();
      goDown('manual reconnect');
      state.attempts = 0;
      state.gaveUp = false;
      attempt();
    },
    setTarget(next, connect = true) {
      target = next;
      if (!connect) return;
      cancelTimer();
      goDown('CAD settings changed');
      state.attempts = 0;
      state.gaveUp = false;
      state.lastError = null;
      attempt();
    },
    pause(reason) {
      cancelTimer();
      goDown(reason);
      state.attempts = 0;
      state.nextRetryAt = null;
      state.lastError = null;
      options.onStateChange();
    },
    close() {
      closed = true;
      cancelTimer();
      goDown('bridge closing');
    }
  };
}
