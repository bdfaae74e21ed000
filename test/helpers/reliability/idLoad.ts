import { RETRYABLE_HUB_CODES } from '../../../src/shared/hubEvents';
import { ConnectRefused, RawSocketIo, sleep } from './clients';
import { signToken } from './tokens';

/** Codes that mean "not now, send it again" (docs/hub-protocol.md); anything else is a refusal. */
export const RETRYABLE_CODES = RETRYABLE_HUB_CODES;

export interface IdLoadOptions {
  url: string;
  secret: string;
  clients: number;
  ratePerClient: number;
  tag: string;
  /**
   * A device whose connection drops reconnects (to `url`, the balancer) at once and
   * resends its unanswered events before going on, as a field device does; without
   * it the device stops and waits for resendOutstanding().
   */
  reconnect?: boolean;
  /**
   * An event answered with a retryable code (the hub at capacity) is sent again after
   * a back-off (0.25 s doubling to 4 s) while the load runs, as a field device does;
   * without it such events wait for resendOutstanding().
   */
  retryRefused?: boolean;
}

/** Per device, from the mark on: the last ack before it to the first ack after it. */
export interface FailoverTimes {
  /** Milliseconds per device, for devices that got an ack after the mark. */
  byClient: Map<number, number>;
  /** Devices with no ack since the mark yet. */
  waiting: number[];
}

/** What happened to the events of an id load, by event id. */
export interface IdLoad {
  /** event id -> log id from the first successful ack. */
  acked: Map<string, number>;
  /** Acks that named a different log id for an event id acked before (must stay empty). */
  conflicting: string[];
  /** Successful acks marked `duplicate` (resends the log already held). */
  duplicates: number;
  sent: number;
  /** Answers with a retryable code, by code (the event was queued for a resend). */
  retryable: Map<string, number>;
  /** Answers with any other error code (refusals): event id -> code. */
  refused: Map<string, string>;
  /** Sends that got no answer at all because the connection went away. */
  unanswered: number;
  /** Connections the server closed while the load ran. */
  disconnects: number;
  /** Devices whose connection dropped at least once (by device index). */
  droppedClients: Set<number>;
  /** Starts timing failover: the last ack so far of each device is its "before". */
  markFailover(): () => FailoverTimes;
  /** Event ids sent and not acked yet (unanswered or retryable): what a device still has to resend. */
  outstanding(): string[];
  /** Stops making new events and waits for the answers of those in flight. */
  stop(): Promise<void>;
  /** Connects afresh and resends every outstanding event with its own id until each is acked (bounded). */
  resendOutstanding(url: string, deadlineMs?: number): Promise<void>;
  close(): void;
}

/** Under the hub's default 50 events per second per connection. */
const RESEND_PER_DEVICE_PER_SECOND = 40;

/**
 * Connects as a device does after a refusal at the handshake: a device refused for flooding
 * is told when it may connect again (`retry_after_ms`), and does so then.
 */
async function connectAsAllowed(url: string, token: string, deadline: number): Promise<RawSocketIo> {
  for (;;) {
    try {
      return await RawSocketIo.connect(url, { token });
    } catch (err) {
      const retryAfter = err instanceof ConnectRefused ? Number((err.data as { retry_after_ms?: unknown } | null)?.retry_after_ms) : NaN;
      if (!Number.isFinite(retryAfter) || Date.now() + retryAfter > deadline) throw err;
      await sleep(retryAfter); // the wait the hub asked for, not a guess at a state
    }
  }
}

const payloadOf = (eventId: string) => ({ event_id: eventId, data_type: 'telemetry', values: { marker: eventId, heart_rate: 72 } });

/**
 * Devices that give every event its own id (`event_id`) and behave as
 * docs/hub-protocol.md asks: an event answered with a retryable code, or not
 * answered because the connection went, is sent again later with the same id.
 * Each event carries its id as a marker, so the log can be searched for it.
 */
export async function startIdLoad(options: IdLoadOptions): Promise<IdLoad> {
  const tokens = await Promise.all(
    Array.from({ length: options.clients }, (_, k) => signToken(options.secret, { sub: `${options.tag}-dev-${k}`, role: 'device', device_id: `${options.tag}-D${k}`, device_type: 'telemetry' }))
  );
  let sockets = await Promise.all(tokens.map((token) => RawSocketIo.connect(options.url, { token })));
  const pending = new Set<string>();
  const lastAckAt = tokens.map(() => performance.now());
  let afterMark: ((client: number, at: number) => void) | null = null;
  const clientOf = (eventId: string) => Number(/-c(\d+)-/.exec(eventId)![1]);
  const inFlight = new Set<Promise<unknown>>();
  let running = true;

  const load: IdLoad = {
    acked: new Map(),
    conflicting: [],
    duplicates: 0,
    sent: 0,
    retryable: new Map(),
    refused: new Map(),
    unanswered: 0,
    disconnects: 0,
    droppedClients: new Set(),
    markFailover() {
      const before = [...lastAckAt];
      const firstAfter: Array<number | undefined> = before.map(() => undefined);
      afterMark = (k, at) => {
        if (firstAfter[k] === undefined) firstAfter[k] = at;
      };
      return () => {
        const byClient = new Map<number, number>();
        const waiting: number[] = [];
        firstAfter.forEach((at, k) => (at === undefined ? waiting.push(k) : byClient.set(k, at - before[k]!)));
        return { byClient, waiting };
      };
    },
    outstanding: () => [...pending],
    async stop() {
      running = false;
      await Promise.allSettled(loops);
      while (inFlight.size > 0) await Promise.allSettled([...inFlight]);
    },
    async resendOutstanding(url, deadlineMs = 60_000) {
      for (const s of sockets) s.close();
      const deadline = Date.now() + deadlineMs;
      sockets = await Promise.all(tokens.map((token) => connectAsAllowed(url, token, deadline)));
      while (pending.size > 0 && Date.now() < deadline) {
        // Each device resends at most its per-second allowance per round, then waits a second: a
        // backlog sent all at once is mostly refused RATE_LIMITED, and refusals count toward
        // flooding (docs/hub-protocol.md), so resending it again and again would get the device banned.
        const perDevice = new Map<number, number>();
        const round = [...pending].filter((eventId) => {
          const k = clientOf(eventId);
          const n = perDevice.get(k) ?? 0;
          perDevice.set(k, n + 1);
          return n < RESEND_PER_DEVICE_PER_SECOND;
        });
        await Promise.allSettled(round.map((eventId) => send(sockets[clientOf(eventId)]!, eventId)));
        if (pending.size > 0) await sleep(1_000); // the rate limit's pace: paced resends, not a wait for a state
      }
    },
    close() {
      for (const s of sockets) s.close();
    }
  };

  const send = (socket: RawSocketIo, eventId: string): Promise<void> => {
    load.sent += 1;
    pending.add(eventId);
    const p = socket.emit('device_data', payloadOf(eventId)).then(
      ([ack]) => {
        const a = ack as { ok?: boolean; id?: unknown; duplicate?: boolean; error?: { code?: string } };
        if (a?.ok === true && typeof a.id === 'number') {
          const before = load.acked.get(eventId);
          if (before !== undefined && before !== a.id) load.conflicting.push(`${eventId}: ${before} then ${a.id}`);
          load.acked.set(eventId, a.id);
          if (a.duplicate) load.duplicates += 1;
          pending.delete(eventId);
          const k = clientOf(eventId);
          lastAckAt[k] = performance.now();
          afterMark?.(k, lastAckAt[k]);
          return;
        }
        const code = a?.error?.code ?? 'unclear';
        if (RETRYABLE_CODES.has(code)) {
          load.retryable.set(code, (load.retryable.get(code) ?? 0) + 1);
          if (options.retryRefused && running) retryLater(eventId);
        }
        else {
          load.refused.set(eventId, code);
          pending.delete(eventId);
        }
      },
      () => {
        load.unanswered += 1;
      }
    );
    inFlight.add(p);
    void p.finally(() => inFlight.delete(p));
    return p;
  };

  const attempts = new Map<string, number>();
  const retryLater = (eventId: string) => {
    const n = (attempts.get(eventId) ?? 0) + 1;
    attempts.set(eventId, n);
    setTimeout(() => {
      const socket = sockets[clientOf(eventId)]!;
      if (running && pending.has(eventId) && !socket.closed) void send(socket, eventId);
    }, Math.min(250 * 2 ** (n - 1), 4_000));
  };

  const interval = 1000 / options.ratePerClient;
  const loops = sockets.map(async (_, k) => {
    await sleep((k / sockets.length) * interval);
    const started = performance.now();
    for (let n = 0; running; n += 1) {
      const wait = started + n * interval - performance.now();
      if (wait > 0) await sleep(wait);
      if (!running) break;
      if (sockets[k]!.closed) {
        load.disconnects += 1;
        load.droppedClients.add(k);
        if (!options.reconnect) break;
        await reconnect(k);
        if (!running) break;
      }
      void send(sockets[k]!, `${options.tag}-c${k}-n${n}`);
    }
  });
  /** Connects device k again through the balancer, then resends what it had no answer for. */
  async function reconnect(k: number): Promise<void> {
    while (running) {
      try {
        sockets[k] = await RawSocketIo.connect(options.url, { token: tokens[k], timeoutMs: 5_000 });
        break;
      } catch {
        await sleep(100); // a device's reconnect back-off: paced retries, not a wait for a state
      }
    }
    if (!running) return;
    // Only what has no answer yet: events still in flight on the dead connection were rejected already.
    for (const eventId of [...pending]) if (clientOf(eventId) === k) void send(sockets[k]!, eventId);
  }
  return load;
}
