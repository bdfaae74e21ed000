import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../helpers/core';
import { ConnectRefused, errorCodeOf, HubWebSocket, RawSocketIo, sleep, waitFor } from '../helpers/reliability/clients';
import { int, pick, randomUnicode, seededRng, type Rng } from '../helpers/reliability/payloads';
import { addOperator, jwtSecretOf, startServe, type ServeProcess } from '../helpers/reliability/serve';
import { badTokens, signToken, type BadToken } from '../helpers/reliability/tokens';

const SEED = Number(process.env.AUTH_SEED ?? Date.now() % 1_000_000);
/** Random (id, room name) pairs the property test tries; AUTH_CASES raises it. */
const CASES = Number(process.env.AUTH_CASES ?? 400);

let serve: ServeProcess;
let secret: string;
let adminOperator: string;
beforeAll(async () => {
  const dataDir = tempDir('switchboard-auth-');
  addOperator(dataDir, 'ada', 'admin', 'auth-admin-password');
  serve = await startServe({ dataDir });
  secret = jwtSecretOf(dataDir);
  adminOperator = await signToken(secret, { sub: 'ada', role: 'admin' });
});
afterAll(async () => {
  await serve?.stop();
});

type Outcome = { refused: boolean; code: string | null; detail: string };

/** Each way in, tried with one token; a refusal must name its reason with a code (when the transport carries one). */
const ENTRY_POINTS: Record<string, (token: string) => Promise<Outcome>> = {
  'socket.io handshake (auth.token)': async (token) => {
    try {
      (await RawSocketIo.connect(serve.url, { token })).close();
      return { refused: false, code: null, detail: 'connected' };
    } catch (err) {
      const data = err instanceof ConnectRefused ? (err.data as { code?: string }) : null;
      return { refused: true, code: data?.code ?? null, detail: (err as Error).message };
    }
  },
  'socket.io handshake (?token= query)': async (token) => {
    try {
      (await RawSocketIo.connect(serve.url, { query: { token } })).close();
      return { refused: false, code: null, detail: 'connected' };
    } catch (err) {
      const data = err instanceof ConnectRefused ? (err.data as { code?: string }) : null;
      return { refused: true, code: data?.code ?? null, detail: (err as Error).message };
    }
  },
  'WebSocket /realtime/ws (?token=)': (token) => wsOutcome('/realtime/ws', token, false),
  'WebSocket /realtime/ws (Authorization header)': (token) => wsOutcome('/realtime/ws', token, true),
  'SSE /realtime/events (Bearer)': (token) => restOutcome('GET', '/realtime/events', token),
  'SSE /realtime/events (?token=)': (token) => restOutcome('GET', `/realtime/events?token=${encodeURIComponent(token)}`, undefined),
  'REST GET /api/v1/hospitals': (token) => restOutcome('GET', '/api/v1/hospitals', token),
  'REST GET /metrics': (token) => restOutcome('GET', '/metrics', token),
  'REST GET /api/v1/socket-status': (token) => restOutcome('GET', '/api/v1/socket-status', token),
  'REST POST /realtime/test/publish': (token) => restOutcome('POST', '/realtime/test/publish', token, { room: 'system:alerts', event: 'system.alert', data: {} }),
  'REST POST /api/socket-bridge/metrics/broadcast': (token) => restOutcome('POST', '/api/socket-bridge/metrics/broadcast', token, { metrics: { a: 1 } }),
  'REST GET /api/v1/socket-logs/statistics': (token) => restOutcome('GET', '/api/v1/socket-logs/statistics', token),
  'console /console handshake (auth.token)': async (token) => {
    try {
      const s = await RawSocketIo.connect(serve.url, { nsp: '/console', token });
      // A session token is checked at connect; prove the session is real with a call that needs one.
      const [answer] = await s.emit('call', 'system.info', {});
      s.close();
      const code = errorCodeOf(answer);
      return { refused: code !== 'ok', code: code === 'ok' ? null : code, detail: JSON.stringify(answer).slice(0, 120) };
    } catch (err) {
      return { refused: true, code: null, detail: (err as Error).message };
    }
  },
  'console auth.resume': async (token) => {
    const s = await RawSocketIo.connect(serve.url, { nsp: '/console' });
    const [answer] = await s.emit('call', 'auth.resume', { token });
    s.close();
    const code = errorCodeOf(answer);
    return { refused: code !== 'ok', code: code === 'ok' ? null : code, detail: JSON.stringify(answer).slice(0, 160) };
  }
};

async function wsOutcome(path: string, token: string, header: boolean): Promise<Outcome> {
  try {
    (await HubWebSocket.connect(serve.url, path, token, { header })).close();
    return { refused: false, code: null, detail: 'upgraded' };
  } catch (err) {
    const e = err as { status?: number; body?: string; message: string };
    let code: string | null = null;
    try {
      code = (JSON.parse(e.body ?? '') as { error?: { code?: string } }).error?.code ?? null;
    } catch {
      code = null;
    }
    return { refused: true, code, detail: `${e.status ?? ''} ${e.message}` };
  }
}

async function restOutcome(method: string, path: string, token: string | undefined, body?: unknown): Promise<Outcome> {
  const abort = new AbortController();
  const res = await fetch(`${serve.url}${path}`, {
    method,
    headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(body ? { 'content-type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
    signal: abort.signal
  });
  if ((res.headers.get('content-type') ?? '').includes('text/event-stream')) {
    abort.abort();
    return { refused: false, code: null, detail: `${res.status} stream opened` };
  }
  const text = await res.text();
  let code: string | null = null;
  try {
    code = (JSON.parse(text) as { error?: { code?: string } }).error?.code ?? null;
  } catch {
    code = null;
  }
  return { refused: res.status === 400 || res.status === 401 || res.status === 403, code, detail: `${res.status} ${text.slice(0, 100)}` };
}

describe('auth: bad tokens at every entry point', () => {
  it('refuses forged, expired, alg:none, HS/RS-confused, tampered and garbage tokens everywhere, naming the reason', async () => {
    const identity = { sub: 'ada', role: 'admin' as const };
    const tokens: BadToken[] = [...(await badTokens(secret, identity)), { name: 'missing (empty)', token: '', codes: ['UNAUTHENTICATED', 'VALIDATION_FAILED'] }];
    const failures: string[] = [];
    let tried = 0;
    for (const [entry, attempt] of Object.entries(ENTRY_POINTS)) {
      // The genuine token gets in: proves each entry point is reachable, so a refusal below means the token was judged.
      const genuine = await attempt(adminOperator);
      if (genuine.refused) failures.push(`${entry}: the genuine admin token was refused (${genuine.detail})`);
      for (const bad of tokens) {
        tried += 1;
        const out = await attempt(bad.token);
        const codeOk = out.code === null ? entry.startsWith('console /console handshake') : bad.codes.includes(out.code);
        if (!out.refused || !codeOk) failures.push(`${entry} / ${bad.name}: ${out.refused ? `refused with code ${out.code}` : 'ACCEPTED'} (${out.detail})`);
      }
    }
    console.log(`[auth] held: ${tried} bad-token attempts over ${Object.keys(ENTRY_POINTS).length} entry points (${tokens.map((t) => t.name).join('; ')}); all refused with a code naming the reason: ${failures.length === 0}`);
    expect(failures).toEqual([]);
  });

  it('refuses valid tokens of the wrong role at every entry point that needs another role', async () => {
    const patient = await signToken(secret, { sub: 'pat-1', role: 'patient', patient_id: 'P-1' });
    const crew = await signToken(secret, { sub: 'crew-1', role: 'crew', unit_id: 'U-1' });
    const ghost = await signToken(secret, { sub: 'nobody', role: 'admin' });
    const cases: Array<[string, () => Promise<Outcome>, string[]]> = [
      ['patient -> REST /realtime/test/publish (admin only)', () => restOutcome('POST', '/realtime/test/publish', patient, { room: 'system:alerts', event: 'x', data: {} }), ['FORBIDDEN']],
      ['patient -> REST /metrics (operators)', () => restOutcome('GET', '/metrics', patient), ['FORBIDDEN']],
      ['crew -> REST /api/v1/socket-logs/statistics (log readers)', () => restOutcome('GET', '/api/v1/socket-logs/statistics', crew), ['FORBIDDEN']],
      ['crew -> REST /api/socket-bridge/metrics/broadcast (admin)', () => restOutcome('POST', '/api/socket-bridge/metrics/broadcast', crew, { metrics: { a: 1 } }), ['FORBIDDEN']],
      ['patient -> WebSocket /realtime/ws/patient/P-2', () => wsOutcome('/realtime/ws/patient/P-2', patient, false), ['FORBIDDEN']],
      ['patient -> SSE /realtime/events/patient/P-2', () => restOutcome('GET', '/realtime/events/patient/P-2', patient), ['FORBIDDEN']],
      ['patient -> SSE /realtime/events?rooms=admin:updates', () => restOutcome('GET', '/realtime/events?rooms=admin:updates', patient), ['FORBIDDEN']],
      ['patient token -> console session', () => ENTRY_POINTS['console auth.resume']!(patient), ['UNAUTHENTICATED', 'FORBIDDEN']],
      ['admin token of no operator -> console session', () => ENTRY_POINTS['console auth.resume']!(ghost), ['UNAUTHENTICATED']],
      [
        'crew -> publish_patient_alert over socket.io',
        async () => {
          const s = await RawSocketIo.connect(serve.url, { token: crew });
          const [ack] = await s.emit('publish_patient_alert', { patient_id: 'P-1', alert_type: 'critical', alert_data: {} });
          s.close();
          const code = errorCodeOf(ack);
          return { refused: code !== 'ok', code, detail: JSON.stringify(ack).slice(0, 120) };
        },
        ['FORBIDDEN']
      ]
    ];
    const failures: string[] = [];
    for (const [name, attempt, codes] of cases) {
      const out = await attempt();
      if (!out.refused || !out.code || !codes.includes(out.code)) failures.push(`${name}: ${out.refused ? out.code : 'ALLOWED'} (${out.detail})`);
    }
    console.log(`[auth] held: ${cases.length} wrong-role attempts, ${cases.length - failures.length} refused with the expected code`);
    expect(failures).toEqual([]);
  });
});

/** Patient ids and look-alikes: case, separators, unicode confusables, prefixes. */
function randomId(rng: Rng): string {
  const chars = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._-';
  const first = chars.slice(0, 62);
  let id = first[int(rng, 0, first.length - 1)]!;
  for (let i = int(rng, 0, 15); i > 0; i -= 1) id += chars[int(rng, 0, chars.length - 1)]!;
  return id;
}

function lookAlike(rng: Rng, id: string): string {
  const variants = [
    id.toUpperCase(),
    id.toLowerCase(),
    `${id}x`,
    id.slice(0, -1) || 'Z',
    `0${id}`,
    `${id}.`,
    `${id}_`,
    `${id}-1`,
    id.replace(/[oO]/g, '0'),
    id.replace(/a/g, '\u0430'), // Cyrillic а
    `${id}\u200B`,
    `${id}\u0000`,
    ` ${id}`,
    `${id}:vitals`,
    randomId(rng),
    randomUnicode(rng, int(rng, 1, 8))
  ];
  return pick(rng, variants);
}

const FORMS: Array<(id: string) => string> = [
  (id) => `patient:${id}`,
  (id) => `patient:${id}:vitals`,
  (id) => `patient:${id}:alerts`,
  (id) => `patient_${id}`,
  (id) => `Patient:${id}`,
  (id) => `PATIENT_${id}`,
  (id) => `patient:${id}:`,
  (id) => `patient::${id}`,
  (id) => `patient:${id}:VITALS`,
  (id) => `patient%3A${id}`,
  (id) => `patient_${id}:vitals`,
  (id) => `patient:${encodeURIComponent(id.replace(/[\uD800-\uDFFF]/g, '?'))}`
];

describe('auth: a patient never joins another patient\'s rooms (property test)', () => {
  it(`holds over ${CASES} random ids and name forms on Socket.IO and the WebSocket protocol`, async () => {
    const rng = seededRng(SEED);
    let tried = 0;
    let refused = 0;
    let allowedOwn = 0;
    const violations: string[] = [];
    const forms = new Map<string, number>();
    for (let batch = 0; batch < CASES / 20; batch += 1) {
      const ownId = randomId(rng);
      const own = new Set([`patient:${ownId}`, `patient:${ownId}:vitals`, `patient:${ownId}:alerts`, `patient_${ownId}`]);
      const token = await signToken(secret, { sub: `pat-${batch}`, role: 'patient', patient_id: ownId });
      const sio = await RawSocketIo.connect(serve.url, { token, keepReceived: true });
      const ws = await HubWebSocket.connect(serve.url, '/realtime/ws', token);
      const names: string[] = [];
      for (let i = 0; i < 20; i += 1) {
        const f = int(rng, 0, FORMS.length - 1);
        const id = rng() < 0.2 ? ownId : lookAlike(rng, ownId);
        names.push(FORMS[f]!(id));
        forms.set(String(f), (forms.get(String(f)) ?? 0) + 1);
      }
      for (const room of names) {
        const expectAllowed = own.has(room);
        for (const event of ['join_room', 'subscribe', 'room_history'] as const) {
          tried += 1;
          const [ack] = await sio.emit(event, { room });
          const ok = errorCodeOf(ack) === 'ok';
          if (ok && !expectAllowed) violations.push(`socket.io ${event} ${JSON.stringify(room)} as patient ${JSON.stringify(ownId)}: ALLOWED`);
          if (!ok && expectAllowed) violations.push(`socket.io ${event} own room ${JSON.stringify(room)}: refused ${JSON.stringify(ack)}`);
          if (ok) allowedOwn += 1;
          else refused += 1;
        }
        tried += 1;
        const before = ws.messages.length;
        ws.send(JSON.stringify({ type: 'subscribe', room, id: room }));
        const answer = await waitForAnswer(ws, before);
        const wsOk = answer?.type === 'subscription';
        if (wsOk && !expectAllowed) violations.push(`websocket subscribe ${JSON.stringify(room)} as patient ${JSON.stringify(ownId)}: ALLOWED`);
        if (!wsOk && expectAllowed) violations.push(`websocket subscribe own room ${JSON.stringify(room)}: ${JSON.stringify(answer)}`);
        if (wsOk) allowedOwn += 1;
        else refused += 1;
      }
      // Traffic for other patients must not reach this patient, whatever was tried above.
      // A marker published to the patient's own room after the probe arrives after it
      // would have: once the marker is in, a leaked probe would be in too.
      const other = `${ownId}x`;
      const publish = (room: string, event: string) =>
        fetch(`${serve.url}/realtime/test/publish`, {
          method: 'POST',
          headers: { authorization: `Bearer ${adminOperator}`, 'content-type': 'application/json' },
          body: JSON.stringify({ room, event, data: { for: room } })
        });
      const ownRoom = `patient:${ownId}`;
      await sio.emit('join_room', { room: ownRoom });
      const beforeOwn = ws.messages.length;
      ws.send(JSON.stringify({ type: 'subscribe', room: ownRoom, id: ownRoom }));
      await waitForAnswer(ws, beforeOwn);
      await publish(`patient:${other}`, 'leak.probe');
      await publish(ownRoom, 'own.marker');
      await waitFor('the own-room marker on both transports', () =>
        sio.received.some((m) => m.event === 'own.marker') && ws.messages.some((m) => m.event === 'own.marker')
      );
      if (sio.received.some((m) => m.event === 'leak.probe')) violations.push(`socket.io patient ${ownId} received patient ${other}'s traffic`);
      if (ws.messages.some((m) => m.event === 'leak.probe')) violations.push(`websocket patient ${ownId} received patient ${other}'s traffic`);
      sio.close();
      ws.close();
    }
    console.log(`[auth] property (seed ${SEED}): ${tried} join/subscribe/history attempts over ${Math.ceil(CASES / 20)} patients and ${FORMS.length} name forms; ${refused} refused, ${allowedOwn} allowed (own rooms only); violations ${violations.length}`);
    expect(violations).toEqual([]);
    expect(allowedOwn).toBeGreaterThan(0);
    expect(refused).toBeGreaterThan(0);
  });
});

async function waitForAnswer(ws: HubWebSocket, before: number): Promise<Record<string, unknown> | undefined> {
  // Generous: on a saturated machine an answer is late, and no answer reads as a refusal.
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    const answer = ws.messages.slice(before).find((m) => m.type === 'subscription' || m.type === 'error');
    if (answer) return answer;
    await sleep(5);
  }
  return undefined;
}
