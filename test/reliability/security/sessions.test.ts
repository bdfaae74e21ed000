import Sqlite from 'better-sqlite3';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../helpers/cli';
import { tempDir } from '../../helpers/core';
import { errorCodeOf, HubWebSocket, RawSocketIo, waitFor } from '../../helpers/reliability/clients';
import { dbFileOf } from '../../helpers/reliability/logCheck';
import { addOperator, jwtSecretOf, startServe, type ServeProcess } from '../../helpers/reliability/serve';
import { signToken } from '../../helpers/reliability/tokens';

/*
 * Sections 2 and 3 of the security issue against a real `switchboard serve`:
 * sign-in that resists guessing, origins, and tokens and sessions that end when
 * they are revoked or expire. Each test says what it tried and what held.
 */

let serve: ServeProcess;
let secret: string;
let adminToken: string;
const PASSWORDS = { ada: 'admin passphrase one', dana: 'dispatch passphrase two', otto: 'dispatch passphrase three' };

beforeAll(async () => {
  const dataDir = tempDir('switchboard-sessions-');
  addOperator(dataDir, 'ada', 'admin', PASSWORDS.ada);
  addOperator(dataDir, 'dana', 'dispatcher', PASSWORDS.dana);
  addOperator(dataDir, 'otto', 'dispatcher', PASSWORDS.otto);
  serve = await startServe({ dataDir, env: { SWITCHBOARD_SIGNIN_FREE_FAILURES: '2', SWITCHBOARD_SIGNIN_LOCKOUT_AFTER_FAILURES: '4' } });
  secret = jwtSecretOf(dataDir);
  adminToken = await signToken(secret, { sub: 'ada', role: 'admin' });
});
afterAll(async () => {
  await serve?.stop();
});

type Answer = { ok: boolean; value?: Record<string, unknown>; error?: { code: string; message: string } };
const consoleSocket = (token?: string, headers?: Record<string, string>) => RawSocketIo.connect(serve.url, { nsp: '/console', token, headers });
async function call(socket: RawSocketIo, name: string, input: unknown): Promise<Answer> {
  const [answer] = await socket.emit('call', name, input);
  return answer as Answer;
}
const rest = (path: string, token: string) => fetch(`${serve.url}${path}`, { headers: { authorization: `Bearer ${token}` } });

/** Access-log rows about sessions (read on its own connection while serve runs). */
function sessionRows(actor: string): Array<{ query: string; params: string }> {
  const db = new Sqlite(dbFileOf(serve.dataDir), { readonly: true });
  try {
    return db.prepare("SELECT query, params FROM socket_log_access WHERE actor = ? AND query LIKE 'auth.%' ORDER BY id").all(actor) as Array<{ query: string; params: string }>;
  } finally {
    db.close();
  }
}

describe('security: sign-in that resists guessing', () => {
  it('delays, then locks out an account under guessing; the right password does not get through until an admin clears it; every attempt is in the access log', async () => {
    const s = await consoleSocket();
    const outcomes: string[] = [];
    // Guess until the account is locked; a refusal that only asks to wait is waited out (a state, not a duration).
    await waitFor('the account to be locked out', async () => {
      const answer = await call(s, 'auth.signIn', { username: 'otto', password: 'wrong-guess-123' });
      const outcome = answer.error?.code === 'RATE_LIMITED' ? (/locked/.test(answer.error.message) ? 'locked' : 'wait') : errorCodeOf(answer);
      if (outcomes.at(-1) !== outcome || outcome !== 'wait') outcomes.push(outcome);
      return outcome === 'locked';
    }, 60_000);
    const right = await call(s, 'auth.signIn', { username: 'otto', password: PASSWORDS.otto });
    expect(right.error?.code).toBe('RATE_LIMITED');
    expect(outcomes.filter((o) => o === 'UNAUTHENTICATED')).toHaveLength(4);
    expect(outcomes).toContain('wait');

    const admin = await consoleSocket(adminToken);
    const listed = await call(admin, 'admin.operators', {});
    expect((listed.value?.lockouts as Array<{ id: string }>).map((l) => l.id)).toContain('otto');
    expect((await call(admin, 'admin.clearLockout', { id: 'otto' })).value).toEqual({ cleared: true });
    const after = await call(s, 'auth.signIn', { username: 'otto', password: PASSWORDS.otto });
    expect(after.ok).toBe(true);
    admin.close();
    s.close();

    const rows = await waitFor('the access log rows', () => {
      const r = sessionRows('otto');
      return r.some((row) => row.query === 'auth.signIn') ? r : null;
    });
    const kinds = rows.map((r) => r.query);
    expect(kinds.filter((k) => k === 'auth.signInFailed')).toHaveLength(4);
    expect(kinds).toContain('auth.lockout');
    expect(kinds).toContain('auth.signInThrottled');
    expect(JSON.parse(rows.at(-1)!.params)).toMatchObject({ ip: expect.stringMatching(/127\.0\.0\.1/) });
    console.log(`[security] held: guesses went ${outcomes.join(' > ')}; the right password was refused while locked and accepted once an admin cleared it; access log: ${[...new Set(kinds)].join(', ')}`);
  });

  it('refuses weak passwords: too short, repeated characters, common ones, containing the username', () => {
    const dir = tempDir('switchboard-pw-');
    const tries = { short: 'abc12345', repeated: 'aaaaaaaaaaaa', common: 'password123', named: 'eve-the-operator-1' };
    const answers = Object.entries(tries).map(([why, pw]) => [why, runCli(['user', 'add', '--username', 'eve', '--role', 'admin', '--data-dir', dir], { input: pw })] as const);
    for (const [why, res] of answers) expect(res.code, `${why}: ${res.stderr}`).toBe(2);
    const good = runCli(['user', 'add', '--username', 'eve', '--role', 'admin', '--data-dir', dir], { input: 'four random words here' });
    expect(good.code).toBe(0);
    console.log(`[security] held: refused ${answers.map(([why, r]) => `${why} ("${r.stderr.split('\n')[0]!.replace(/^switchboard user: /, '')}")`).join('; ')}`);
  });

  it('refuses cross-origin console and WebSocket connections, and accepts the server\'s own origin', async () => {
    const evil = { origin: 'https://evil.example' };
    const own = { origin: serve.url };
    const consoleEvil = await consoleSocket(undefined, evil).then((c) => (c.close(), 'connected'), (e: Error) => e.message);
    const consoleOwn = await consoleSocket(undefined, own).then((c) => (c.close(), 'connected'), (e: Error) => e.message);
    const crew = await signToken(secret, { sub: 'crew-o', role: 'crew', unit_id: 'U-O' });
    const wsStatus = (headers: Record<string, string>) =>
      new Promise<number>((resolve) => {
        const ws = new WebSocket(`${serve.url.replace(/^http/, 'ws')}/realtime/ws?token=${crew}`, { headers });
        ws.once('open', () => (ws.close(), resolve(101)));
        ws.once('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
        ws.once('error', () => resolve(-1));
      });
    const [wsEvil, wsOwn] = [await wsStatus(evil), await wsStatus(own)];
    expect(consoleEvil).not.toBe('connected');
    expect(consoleOwn).toBe('connected');
    expect(wsEvil).toBe(403);
    expect(wsOwn).toBe(101);
    console.log(`[security] held: Origin https://evil.example refused on /console (${consoleEvil}) and /realtime/ws (${wsEvil}); the server's own origin accepted`);
  });
});

describe('security: tokens and sessions that can be revoked', () => {
  it('revoking a device closes its live Socket.IO, WebSocket and SSE connections at once, with a log row, and REST refuses it', async () => {
    const device = { sub: 'tablet-7', role: 'device' as const, device_id: 'tab-7', device_type: 'tablet' };
    const token = await signToken(secret, device);
    const sio = await RawSocketIo.connect(serve.url, { token });
    const ws = await HubWebSocket.connect(serve.url, '/realtime/ws', token);
    const sse = new AbortController();
    const stream = await fetch(`${serve.url}/realtime/events/device/tablet/tab-7`, { headers: { authorization: `Bearer ${token}` }, signal: sse.signal });
    expect(stream.status).toBe(200);
    let sseEnded = false;
    void (async () => {
      const reader = stream.body!.getReader();
      for (;;) if ((await reader.read().catch(() => ({ done: true }))).done) break;
      sseEnded = true;
    })();

    const revoked = runCli(['token', 'revoke', '--device', 'tab-7', '--data-dir', serve.dataDir, '--reason', 'tablet lost']);
    expect(revoked.code, revoked.stderr).toBe(0);
    await waitFor('Socket.IO, WebSocket and SSE of the revoked device to be closed', () => sio.closed && ws.closed && sseEnded, 20_000);
    sse.abort();
    const again = await RawSocketIo.connect(serve.url, { token }).then(() => 'connected', (e: Error) => e.message);
    expect(again).toMatch(/revoked/);
    const db = new Sqlite(dbFileOf(serve.dataDir), { readonly: true });
    const rows = await waitFor('three session_revoked rows', () => {
      const r = db.prepare("SELECT count(*) AS n FROM socket_logs WHERE event_type = 'session_revoked' AND user_id = 'tablet-7'").get() as { n: number };
      return r.n >= 3 ? r.n : null;
    });
    db.close();
    console.log(`[security] held: \`token revoke --device\` (another process) closed Socket.IO, WebSocket and SSE; ${rows} session_revoked rows; reconnecting: "${again}"`);
  });

  it('disabling an operator ends their open console at once and REST refuses their token; sign-out kills the token', async () => {
    const s = await consoleSocket();
    const signedIn = await call(s, 'auth.signIn', { username: 'dana', password: PASSWORDS.dana });
    const token = String(signedIn.value?.token);
    expect((await rest('/api/v1/socket-status', token)).status).toBe(200);
    const admin = await consoleSocket(adminToken);
    expect((await call(admin, 'admin.setOperatorDisabled', { username: 'dana', disabled: true })).ok).toBe(true);
    await waitFor("dana's console to be disconnected", () => s.closed, 10_000);
    expect((await rest('/api/v1/socket-status', token)).status).toBe(401);
    expect((await call(admin, 'admin.setOperatorDisabled', { username: 'dana', disabled: false })).ok).toBe(true);

    const fresh = await consoleSocket();
    const back = await call(fresh, 'auth.signIn', { username: 'dana', password: PASSWORDS.dana });
    expect(back.ok).toBe(true);
    const backToken = String(back.value?.token);
    expect((await call(fresh, 'auth.signOut', {})).ok).toBe(true);
    expect((await rest('/api/v1/socket-status', backToken)).status).toBe(401);
    const resumed = await call(fresh, 'auth.resume', { token: backToken });
    expect(resumed.error?.code).toBe('UNAUTHENTICATED');
    fresh.close();
    admin.close();
    const kinds = sessionRows('dana').map((r) => r.query);
    expect(kinds).toEqual(expect.arrayContaining(['auth.signIn', 'auth.sessionRevoked', 'auth.signOut']));
    console.log(`[security] held: disable closed the console and REST answered 401; after sign-out the token was refused by REST and resume (${resumed.error?.message})`);
  });

  it('a token that expires disconnects its device and console sockets, and a console renews its session without a reload', async () => {
    const short = await signToken(secret, { sub: 'crew-x', role: 'crew', unit_id: 'U-X' }, { ttlSeconds: 3 });
    const ws = await HubWebSocket.connect(serve.url, '/realtime/ws', short);
    const sio = await RawSocketIo.connect(serve.url, { token: short });
    const shortConsole = await signToken(secret, { sub: 'ada', role: 'admin' }, { ttlSeconds: 3 });
    const c = await consoleSocket(shortConsole);
    expect((await call(c, 'system.info', {})).ok).toBe(true);
    await waitFor('the expired token\'s sockets to be closed', () => ws.closed && sio.closed && c.closed, 20_000);

    const s = await consoleSocket();
    const first = await call(s, 'auth.signIn', { username: 'ada', password: PASSWORDS.ada });
    const renewed = await call(s, 'auth.renew', {});
    expect(renewed.ok).toBe(true);
    expect(renewed.value?.token).not.toBe(first.value?.token);
    expect(Date.parse(String(renewed.value?.expires_at))).toBeGreaterThanOrEqual(Date.parse(String(first.value?.expires_at)));
    expect((await call(s, 'system.info', {})).ok).toBe(true);
    s.close();
    console.log('[security] held: a 3-second token closed its WebSocket, Socket.IO and console sockets on expiry; auth.renew gave a fresh session on the same socket');
  });
});
