import { RETRYABLE_HUB_CODES } from '../../../src/shared/hubEvents';
import { RawSocketIo, sleep } from './clients';
import { signToken } from './tokens';

/** Codes that mean "not now, send it again" (docs/hub-protocol.md); anything else is a refusal. */
export const RETRYABLE_CODES = RETRYABLE_HUB_CODES;

export interface IdLoadOptions {
  url: string;
  secret: string;
  clients: number;
  ratePerClient: number;
  tag: string;
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
  /** Event ids sent and not acked yet (unanswered or retryable): what a device still has to resend. */
  outstanding(): string[];
  /** Stops making new events and waits for the answers of those in flight. */
  stop(): Promise<void>;
  /** Connects afresh and resends every outstanding event with its own id until each is acked (bounded). */
  resendOutstanding(url: string, deadlineMs?: number): Promise<void>;
  close(): void;
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
    outstanding: () => [...pending],
    async stop() {
      running = false;
      await Promise.allSettled(loops);
      while (inFlight.size > 0) await Promise.allSettled([...inFlight]);
    },
    async resendOutstanding(url, deadlineMs = 60_000) {
      for (const s of sockets) s.close();
      sockets = await Promise.all(tokens.map((token) => RawSocketIo.connect(url, { token })));
      const deadline = Date.now() + deadlineMs;
      while (pending.size > 0 && Date.now() < deadline) {
        const round = [...pending];
        await Promise.allSettled(round.map((eventId) => send(sockets[Number(/-c(\d+)-/.exec(eventId)![1])]!, eventId)));
        if (pending.size > 0) await sleep(200); // the retry_after of a refusal; these resends are paced, not a wait for a state
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
          return;
        }
        const code = a?.error?.code ?? 'unclear';
        if (RETRYABLE_CODES.has(code)) load.retryable.set(code, (load.retryable.get(code) ?? 0) + 1);
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

  const interval = 1000 / options.ratePerClient;
  const loops = sockets.map(async (socket, k) => {
    await sleep((k / sockets.length) * interval);
    const started = performance.now();
    for (let n = 0; running; n += 1) {
      const wait = started + n * interval - performance.now();
      if (wait > 0) await sleep(wait);
      if (!running) break;
      if (socket.closed) {
        load.disconnects += 1;
        break;
      }
      void send(socket, `${options.tag}-c${k}-n${n}`);
    }
  });
  return load;
}
