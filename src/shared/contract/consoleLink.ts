import type { Result } from '../result';

/**
 * The console's end of the `/console` Socket.IO link, shared by the browser
 * transport (renderer lib/api) and the tests that drive a real `serve`.
 *
 * Three promises to the dispatcher:
 *
 * 1. Nothing is buffered for later. socket.io-client queues emits made while
 *    disconnected and sends them on reconnect; an Assign clicked during an
 *    outage would then dispatch a unit minutes later, after the dispatcher
 *    had moved on. A call made while the link is not `up` is refused at once
 *    (`OFFLINE`, "NOT sent") and never reaches the socket.
 *
 * 2. A call the console gave up on is never applied. Each call carries a
 *    deadline in the core's own monotonic clock. Why not "budget measured from
 *    arrival": a core frozen by SIGSTOP (or a long GC/swap stall) leaves the
 *    packet in the kernel's socket buffer, so the core only "receives" it after
 *    it resumes: an arrival-relative budget looks fresh then. An absolute
 *    deadline in the core's clock cannot be fooled that way, because that clock
 *    kept running while the process was stopped. Why the core's monotonic
 *    clock and not wall time: no skew between machines to trust and no jump
 *    when NTP steps the clock. The console learns the core's clock from the
 *    `hello` sent at connect and from every heartbeat answer; the offset it
 *    keeps is a lower bound (the message's travel time is not counted), so the
 *    deadline it computes can only be earlier than the true one: the core
 *    refuses a late call too soon, never too late. The deadline also leaves a
 *    guard (`guardMs`) before the console's own give-up time, so a call the
 *    core starts at the last moment still answers before the console stops
 *    listening. What remains: a core frozen in the few milliseconds between
 *    checking the deadline and committing the action; the console then says
 *    "outcome unknown, check before repeating" rather than guessing.
 *
 * 3. A silent link is not a live one. The console asks for the core's clock
 *    every `pingEveryMs`; no answer within `silentAfterMs` marks the link
 *    `silent`, which refuses calls and greys the console like `down`.
 */

export const CONSOLE_HELLO_EVENT = 'hello';
export const CONSOLE_CLOCK_EVENT = 'clock';
export const CONSOLE_STOPPING_EVENT = 'stopping';

/** Sent by the core to each console socket as soon as it connects. */
export interface ConsoleHello {
  /** Changes every time the core process starts: a new one means the console's picture is from another life. */
  boot_id: string;
  /** In a cluster, the node that answered (a console that reconnects elsewhere has moved, not seen a restart). */
  node?: string;
  /** The core's monotonic clock (ms) when it sent this. */
  clock: number;
}

/** Travels with every call from this link (the fourth emit argument). */
export interface CallMeta {
  /** The core's monotonic clock (ms) after which it must refuse the call with EXPIRED. */
  deadline: number;
}

export type LinkState = 'connecting' | 'up' | 'silent' | 'stopping' | 'down';
export type ResyncReason = 'restart' | 'reconnect' | 'moved';
/** With a resync: the cluster node the console is now linked to, when the core is one. */
export interface ResyncDetail {
  node?: string;
}

/** The part of a socket.io-client Socket the link uses. */
export interface LinkSocket {
  readonly connected: boolean;
  on(event: string, listener: (...args: never[]) => void): unknown;
  timeout(ms: number): { emit(event: string, ...args: unknown[]): unknown };
}

export interface ConsoleLinkOptions {
  /** How long a call may go unanswered before the console gives up (outcome unknown). */
  callBudgetMs?: number;
  /** How much earlier than the console's give-up the core's deadline falls. */
  guardMs?: number;
  pingEveryMs?: number;
  silentAfterMs?: number;
  /** A monotonic clock (performance.now). */
  now?: () => number;
}

export interface ConsoleLink {
  call(method: string, input: unknown): Promise<Result<unknown>>;
  state(): LinkState;
  bootId(): string | null;
  onState(listener: (state: LinkState) => void): () => void;
  /** After the first connection: every later hello means the picture may be incomplete. */
  onResync(listener: (reason: ResyncReason, detail: ResyncDetail) => void): () => void;
  close(): void;
}

const CLOCK_SAMPLES = 5;

const STATE_REASON: Record<Exclude<LinkState, 'up'>, string> = {
  connecting: 'the console is still connecting to the core',
  silent: 'the core has stopped answering',
  stopping: 'the core is shutting down',
  down: 'the console has no link to the core'
};

export function offlineResult(method: string, state: Exclude<LinkState, 'up'>): Result<never> {
  return {
    ok: false,
    error: { code: 'OFFLINE', message: `NOT sent: ${STATE_REASON[state]}. ${method} was not sent and nothing changed; try again when the link is back.` }
  };
}

/*
 * Not `socket.volatile`: a volatile emit is dropped whenever the transport is
 * busy writing the previous packet, so the second of two calls in one tick
 * would vanish. A plain emit on a connected socket goes to the engine's write
 * queue, which is discarded (never replayed) if the connection closes; only
 * emits made while disconnected are replayed, and those are refused above.
 */
export function createConsoleLink(socket: LinkSocket, options: ConsoleLinkOptions = {}): ConsoleLink {
  const callBudgetMs = options.callBudgetMs ?? 10_000;
  const guardMs = options.guardMs ?? Math.min(2_000, callBudgetMs / 4);
  const pingEveryMs = options.pingEveryMs ?? 2_000;
  const silentAfterMs = options.silentAfterMs ?? 4_000;
  const now = options.now ?? (() => performance.now());

  let state: LinkState = 'connecting';
  let bootId: string | null = null;
  let connections = 0;
  /** Recent lower bounds of (core clock - console clock). */
  let offsets: number[] = [];
  let pinging = false;
  const stateListeners = new Set<(state: LinkState) => void>();
  const resyncListeners = new Set<(reason: ResyncReason, detail: ResyncDetail) => void>();
  let node: string | undefined;

  const setState = (next: LinkState) => {
    if (state === next) return;
    state = next;
    stateListeners.forEach((l) => l(next));
  };
  const observeClock = (coreClock: number) => {
    // The message took some time to arrive, so coreClock - now() underestimates the offset: a safe side.
    offsets = [...offsets, coreClock - now()].slice(-CLOCK_SAMPLES);
  };
  const coreNow = () => now() + Math.max(...offsets);

  socket.on(CONSOLE_HELLO_EVENT, ((hello: ConsoleHello) => {
    if (!hello || typeof hello.clock !== 'number' || typeof hello.boot_id !== 'string') return;
    offsets = [];
    observeClock(hello.clock);
    const previous = { bootId, node };
    bootId = hello.boot_id;
    node = typeof hello.node === 'string' ? hello.node : undefined;
    connections += 1;
    setState('up');
    if (connections === 1) return;
    // Another node of a cluster has its own boot id: the console moved (its node died or was drained), no core restarted.
    const moved = previous.node !== undefined && node !== undefined && previous.node !== node;
    const reason: ResyncReason = moved ? 'moved' : previous.bootId !== null && previous.bootId !== hello.boot_id ? 'restart' : 'reconnect';
    resyncListeners.forEach((l) => l(reason, node === undefined ? {} : { node }));
  }) as never);
  socket.on(CONSOLE_STOPPING_EVENT, (() => setState('stopping')) as never);
  socket.on('disconnect', (() => {
    offsets = [];
    setState('down');
  }) as never);
  socket.on('connect_error', (() => setState('down')) as never);

  const ping = () => {
    if (pinging || !socket.connected || offsets.length === 0 || state === 'stopping') return;
    pinging = true;
    socket.timeout(silentAfterMs).emit(CONSOLE_CLOCK_EVENT, (err: Error | null, answer: { clock?: unknown } | undefined) => {
      pinging = false;
      if (!socket.connected || state === 'stopping' || state === 'down') return;
      if (err || typeof answer?.clock !== 'number') {
        setState('silent');
        return;
      }
      observeClock(answer.clock);
      setState('up');
    });
  };
  const pinger = setInterval(ping, pingEveryMs);

  return {
    call(method, input) {
      if (state !== 'up' || !socket.connected || offsets.length === 0) {
        return Promise.resolve(offlineResult(method, state === 'up' ? 'connecting' : state));
      }
      const meta: CallMeta = { deadline: coreNow() + callBudgetMs - guardMs };
      return new Promise((resolve) => {
        socket.timeout(callBudgetMs).emit('call', method, input, meta, (err: Error | null, result: Result<unknown>) => {
          if (!err) return resolve(result);
          resolve({
            ok: false,
            error: {
              code: 'OUTCOME_UNKNOWN',
              message: `Unknown — check before repeating: ${method} got no answer in ${Math.round(callBudgetMs / 1000)} s. The core will not apply it if it arrives late, but it may have been applied just before.`
            }
          });
        });
      });
    },
    state: () => state,
    bootId: () => bootId,
    onState(listener) {
      stateListeners.add(listener);
      return () => stateListeners.delete(listener);
    },
    onResync(listener) {
      resyncListeners.add(listener);
      return () => resyncListeners.delete(listener);
    },
    close() {
      clearInterval(pinger);
      stateListeners.clear();
      resyncListeners.clear();
    }
  };
}
