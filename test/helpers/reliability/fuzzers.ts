import { HUB_CLIENT_EVENTS } from '../../../src/shared/hubEvents';
import { methods } from '../../../src/shared/contract';
import { errorCodeOf, HubWebSocket, isClearAnswer, RawSocketIo, sleep } from './clients';
import { HOSTILE_STRINGS, hostilePayload, hostileValue, int, pick, randomUnicode, seededRng, type Rng } from './payloads';

/** What one fuzzer tried and how the server answered. */
export interface FuzzTally {
  surface: string;
  tried: number;
  /** Answers by code ('ok' for successes, HTTP status for REST). */
  answers: Map<string, number>;
  /** Tries that got no answer, or an answer without a stable code and a sentence. */
  unclear: number;
  /** Examples of unclear answers, for the report. */
  examples: string[];
  /** Connections the server closed under us (each is reopened). */
  closedByServer: number;
  kinds: Map<string, number>;
}

export const newTally = (surface: string): FuzzTally => ({ surface, tried: 0, answers: new Map(), unclear: 0, examples: [], closedByServer: 0, kinds: new Map() });
const bump = (m: Map<string, number>, k: string, n = 1) => m.set(k, (m.get(k) ?? 0) + n);
const unclear = (t: FuzzTally, what: string) => {
  t.unclear += 1;
  if (t.examples.length < 8) t.examples.push(what.slice(0, 300));
};

const KNOWN_EVENTS = Object.keys(HUB_CLIENT_EVENTS);
/**
 * Prototype keys and junk. Socket.IO's reserved names (disconnect, connect...)
 * are refused by its parser, which closes the connection: the protocol fuzzer covers those.
 */
const HOSTILE_EVENT_NAMES = ['error', '__proto__', 'constructor', 'toString', 'hasOwnProperty', 'x'.repeat(500), '', 'ping\u0000', 'join_room ', 'JOIN_ROOM'];

/** Paces one connection: at most `window` unanswered at once and at most `rate` per second. */
async function paced(count: number, rate: number, window: number, isClosed: () => boolean, send: (i: number) => Promise<void>): Promise<void> {
  const inFlight = new Set<Promise<void>>();
  let next = performance.now();
  for (let i = 0; i < count && !isClosed(); i += 1) {
    const wait = next - performance.now();
    if (wait > 0) await sleep(wait);
    while (inFlight.size >= window) await Promise.race(inFlight);
    // After a wait for answers, go on at the rate rather than catch up in a burst: a burst
    // past the hub's token bucket is refused RATE_LIMITED, and kept up it ends in a flood disconnect.
    next = Math.max(next, performance.now()) + 1000 / rate;
    const p = send(i).finally(() => inFlight.delete(p));
    inFlight.add(p);
  }
  await Promise.allSettled([...inFlight]);
}

export interface SocketFuzzOptions {
  url: string;
  tokens: string[];
  connections: number;
  perConnection: number;
  ratePerConnection: number;
  seed: number;
}

/** Every client event (and hostile event names) over Socket.IO, hostile payloads, each ack checked. */
export async function fuzzSocketIoEvents(o: SocketFuzzOptions): Promise<FuzzTally> {
  const tally = newTally('socket.io client events');
  await Promise.all(
    Array.from({ length: o.connections }, async (_, c) => {
      const rng = seededRng(o.seed + c);
      const token = o.tokens[c % o.tokens.length]!;
      let socket = await RawSocketIo.connect(o.url, { token, timeoutMs: 60_000 });
      let remaining = o.perConnection;
      while (remaining > 0) {
        const batch = remaining;
        let done = 0;
        await paced(batch, o.ratePerConnection, 8, () => socket.closed, async () => {
          done += 1;
          const event = rng() < 0.9 ? pick(rng, KNOWN_EVENTS) : rng() < 0.5 ? pick(rng, HOSTILE_EVENT_NAMES) : randomUnicode(rng, int(rng, 1, 40));
          const { kind, json } = hostilePayload(rng, event);
          bump(tally.kinds, kind);
          tally.tried += 1;
          try {
            const [ack] = await socket.emitJson(event, [json], 120_000);
            if (isClearAnswer(ack)) bump(tally.answers, errorCodeOf(ack));
            else unclear(tally, `${event} ${kind}: ${JSON.stringify(ack)}`);
          } catch (err) {
            unclear(tally, `${JSON.stringify(event).slice(0, 60)} ${kind}: ${(err as Error).message}`);
          }
        });
        remaining -= done;
        if (socket.closed && remaining > 0) {
          tally.closedByServer += 1;
          socket = await RawSocketIo.connect(o.url, { token, timeoutMs: 60_000 });
        }
      }
      socket.close();
    })
  );
  return tally;
}

/** The device-stream protocol's WebSocket protocol: JSON messages of every type, and what is not JSON at all. */
export async function fuzzWebSocket(o: SocketFuzzOptions): Promise<FuzzTally> {
  const tally = newTally('raw WebSocket /realtime/ws');
  await Promise.all(
    Array.from({ length: o.connections }, async (_, c) => {
      const rng = seededRng(o.seed + 10_000 + c);
      const token = o.tokens[c % o.tokens.length]!;
      let ws = await HubWebSocket.connect(o.url, '/realtime/ws', token, { keep: false });
      let sent = 0;
      let remaining = o.perConnection;
      const settle = async () => {
        // Every message gets exactly one answer; wait until they are all in.
        const deadline = Date.now() + 120_000;
        while (ws.answers < sent && !ws.closed && Date.now() < deadline) await sleep(20);
        const missing = sent - ws.answers;
        tally.unclear += ws.codes.get('unclear') ?? 0;
        ws.codes.delete('unclear');
        if (missing > 0) for (let i = 0; i < missing; i += 1) unclear(tally, `websocket: ${ws.closed ? `closed (${ws.closeCode})` : 'no answer'}`);
        for (const [code, n] of ws.codes) bump(tally.answers, code, n);
        ws.codes.clear();
        for (const example of ws.unclearAnswers.splice(0)) if (tally.examples.length < 8) tally.examples.push(`websocket error answer: ${example}`);
      };
      while (remaining > 0) {
        let done = 0;
        // Window: the server answers in order of arrival; keep at most 8 unanswered.
        await paced(remaining, o.ratePerConnection, 1, () => ws.closed, async () => {
          while (sent - ws.answers >= 8 && !ws.closed) await sleep(2);
          done += 1;
          tally.tried += 1;
          sent += 1;
          const r = rng();
          if (r < 0.6) {
            const type = rng() < 0.9 ? pick(rng, [...KNOWN_EVENTS, 'subscribe', 'unsubscribe', 'ping']) : pick(rng, HOSTILE_EVENT_NAMES);
            const { kind, json } = hostilePayload(rng, type);
            bump(tally.kinds, kind);
            const ref = rng() < 0.5 ? `,"id":${JSON.stringify(pick(rng, [1, 'r1', null, {}, [], HOSTILE_STRINGS[int(rng, 0, 20)]]))}` : '';
            const body = type === 'subscribe' || type === 'unsubscribe' ? `"room":${json ?? 'null'}` : `"data":${json ?? 'null'}`;
            ws.send(`{"type":${JSON.stringify(type)},${body}${ref}}`);
          } else if (r < 0.75) {
            bump(tally.kinds, 'room');
            ws.send(JSON.stringify({ type: pick(rng, ['subscribe', 'unsubscribe', 'room_history']), room: rng() < 0.5 ? pick(rng, HOSTILE_STRINGS) : hostileValue(rng), since: hostileValue(rng) }));
          } else if (r < 0.85) {
            bump(tally.kinds, 'not_json');
            ws.send(pick(rng, ['', 'hello', '{', '{"type":', '[1,2', 'null', '123', '"str"', '[]', 'true', randomUnicode(rng, 50)]));
          } else if (r < 0.92) {
            bump(tally.kinds, 'binary');
            ws.send(Buffer.from(Array.from({ length: int(rng, 1, 512) }, () => int(rng, 0, 255))), true);
          } else {
            bump(tally.kinds, 'oversized');
            ws.send(JSON.stringify({ type: 'device_data', data: { data_type: 'x', values: { v: 'y'.repeat(int(rng, 66_000, 90_000)) } } }));
          }
        });
        remaining -= done;
        await settle();
        if (ws.closed && remaining > 0) {
          tally.closedByServer += 1;
          ws = await HubWebSocket.connect(o.url, '/realtime/ws', token, { keep: false });
          sent = 0;
        }
      }
      ws.close();
    })
  );
  return tally;
}

export interface ConsoleFuzzOptions {
  url: string;
  operatorToken: string;
  connections: number;
  perConnection: number;
  seed: number;
}

/** The console contract over /console: every method name (and junk names) with hostile inputs. */
export async function fuzzConsole(o: ConsoleFuzzOptions): Promise<FuzzTally> {
  const tally = newTally('console contract (/console namespace)');
  // Methods whose success walks or copies the whole log are tried, but a tenth as often (as on REST).
  const heavy = /verify|export|retention|statistics|timeseries|query|accessLog/;
  // auth.signOut revokes the session's token, which every fuzzing connection (and the test's
  // own checks) share: a successful one would end the fuzz, not probe the contract.
  const names = Object.keys(methods)
    .filter((m) => m !== 'auth.signOut')
    .flatMap((m) => (heavy.test(m) ? [m] : Array<string>(10).fill(m)));
  await Promise.all(
    Array.from({ length: o.connections }, async (_, c) => {
      const rng = seededRng(o.seed + 20_000 + c);
      const socket = await RawSocketIo.connect(o.url, { nsp: '/console', token: o.operatorToken });
      await paced(o.perConnection, 10_000, 16, () => socket.closed, async () => {
        const method = rng() < 0.8 ? pick(rng, names) : rng() < 0.5 ? pick(rng, HOSTILE_EVENT_NAMES) : JSON.parse(JSON.stringify(hostileValue(rng)) ?? 'null');
        const { kind, json } = rng() < 0.5 ? { kind: 'random', json: JSON.stringify(hostileValue(rng)) } : hostilePayload(rng, 'join_room');
        bump(tally.kinds, kind);
        tally.tried += 1;
        try {
          const [answer] = await socket.emitJson('call', [JSON.stringify(method) ?? 'null', json ?? 'null'], 120_000);
          if (!isClearAnswer(answer)) return unclear(tally, `${JSON.stringify(method).slice(0, 60)}: ${JSON.stringify(answer)}`);
          const code = errorCodeOf(answer);
          bump(tally.answers, code);
          // A session refused for any other reason is resumed, so the rest still reaches the handlers.
          if (code === 'UNAUTHENTICATED') await socket.emit('call', 'auth.resume', { token: o.operatorToken });
        } catch (err) {
          unclear(tally, `${JSON.stringify(method).slice(0, 60)}: ${(err as Error).message}`);
        }
      });
      if (socket.closed) tally.closedByServer += 1;
      socket.close();
    })
  );
  return tally;
}

export { bump, unclear, paced };
export type { Rng };
