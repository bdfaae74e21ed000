import { percentile } from '../../../bench/lib/report';
import { errorCodeOf, RawSocketIo, sleep } from './clients';
import { signToken } from './tokens';

export interface DeviceLoadOptions {
  url: string;
  /** The data directory's JWT secret (tokens are signed like `switchboard token` signs them). */
  secret: string;
  clients: number;
  /** Events per second per client; the hub allows 50/s sustained per connection. */
  ratePerClient: number;
  /** Distinguishes clients of different runs (device ids, markers). */
  tag: string;
  /** Sees every answer with when its event was sent (performance.now), e.g. to check acks after a moment. */
  onAnswer?(answer: { ok: boolean; code: string; sentAt: number; id: number | null }): void;
}

export interface DeviceLoad {
  /** log id from the ack -> marker the log row must contain. */
  acked: Map<number, string>;
  sent: number;
  /** Acks that were errors, by code. */
  errors: Map<string, number>;
  /** Sends that never got an answer because the connection went away (a kill). */
  unanswered: number;
  latenciesMs: number[];
  stop(): Promise<void>;
  summary(): { sent: number; acked: number; errors: number; unanswered: number; p50: number; p99: number; max: number };
}

/**
 * N authenticated devices sending `device_data` at a steady rate, each event
 * carrying a unique marker so the log can be searched for exactly what was acked.
 * Paced per client (open loop), so the hub's rate limit is never what answers.
 */
export async function startDeviceLoad(options: DeviceLoadOptions): Promise<DeviceLoad> {
  const sockets = await Promise.all(
    Array.from({ length: options.clients }, async (_, k) => {
      const token = await signToken(options.secret, { sub: `${options.tag}-dev-${k}`, role: 'device', device_id: `${options.tag}-D${k}`, device_type: 'telemetry' });
      return RawSocketIo.connect(options.url, { token });
    })
  );
  const load: DeviceLoad = {
    acked: new Map(),
    sent: 0,
    errors: new Map(),
    unanswered: 0,
    latenciesMs: [],
    async stop() {
      running = false;
      await Promise.allSettled(loops);
      await Promise.allSettled([...inFlight]);
      for (const s of sockets) s.close();
    },
    summary() {
      const errors = [...load.errors.values()].reduce((a, b) => a + b, 0);
      return {
        sent: load.sent,
        acked: load.acked.size,
        errors,
        unanswered: load.unanswered,
        p50: Math.round(percentile(load.latenciesMs, 50) * 10) / 10,
        p99: Math.round(percentile(load.latenciesMs, 99) * 10) / 10,
        max: Math.round(Math.max(0, ...load.latenciesMs) * 10) / 10
      };
    }
  };
  let running = true;
  const inFlight = new Set<Promise<unknown>>();
  const interval = 1000 / options.ratePerClient;
  const loops = sockets.map(async (socket, k) => {
    // Spread the clients over the interval so the hub sees a steady stream, not bursts.
    await sleep((k / sockets.length) * interval);
    const started = performance.now();
    for (let n = 0; running && !socket.closed; n += 1) {
      const due = started + n * interval;
      const wait = due - performance.now();
      if (wait > 0) await sleep(wait);
      if (!running || socket.closed) break;
      const marker = `${options.tag}-c${k}-n${n}`;
      const sentAt = performance.now();
      load.sent += 1;
      const p = socket.emit('device_data', { data_type: 'telemetry', values: { marker, seq: n, heart_rate: 72 } }).then(
        ([ack]) => {
          load.latenciesMs.push(performance.now() - sentAt);
          const a = ack as { ok?: boolean; id?: unknown };
          const ok = a?.ok === true && typeof a.id === 'number';
          if (ok) load.acked.set(a.id as number, marker);
          else load.errors.set(errorCodeOf(ack), (load.errors.get(errorCodeOf(ack)) ?? 0) + 1);
          options.onAnswer?.({ ok, code: errorCodeOf(ack), sentAt, id: ok ? (a.id as number) : null });
        },
        () => {
          load.unanswered += 1;
        }
      );
      inFlight.add(p);
      void p.finally(() => inFlight.delete(p));
    }
  });
  return load;
}
