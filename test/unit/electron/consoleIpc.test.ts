import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { IPC_CALL_CHANNEL, IPC_EVENT_CHANNEL } from '../../../src/shared/contract';
import { startTestCore, type TestCore } from '../../helpers/core';
import type { Core } from '../../../src/main/core/createCore';
import type { ConsoleIpc } from '../../../src/main/ipc/consoleIpc';
import { FakeConsoleContents, ipcOver as realIpcOver } from './ipcHarness';
import { waitFor } from '../../helpers/waitFor';

let running: TestCore;
// One core for the file (operator passwords are scrypt-hashed: slow on purpose);
// each test registers its own IPC transport over it and disposes it after.
beforeAll(async () => {
  running = await startTestCore({ logLevel: 'warn' });
  await running.core.operators.add('dana', 'correct horse', 'dispatcher');
  await running.core.operators.add('audrey', 'audit trail', 'auditor');
});
afterEach(() => {
  for (const ipc of registered.splice(0)) ipc.dispose();
});
afterAll(async () => {
  await running.close();
});

const registered: ConsoleIpc[] = [];
/** The registrar over the shared core, disposed after the test. */
const ipcOver = (core: Core) => {
  const transport = realIpcOver(core);
  registered.push(transport.ipc);
  return transport;
};

const signIn = { username: 'dana', password: 'correct horse' };

/**
 * The core pushes its own periodic events (statistics, heartbeats) whenever a
 * busy machine lets its timers run, so a test keeps only the pushes it caused:
 * alerts it raised and heartbeats stamped with a moment no timer produces.
 */
const PROVOKED_AT = '2000-01-01T00:00:00.000Z';
const provoked = (pushes: Array<[string, unknown]>) =>
  pushes.filter(([name, payload]) => name === 'alert.raised' || (payload as { at?: string } | undefined)?.at === PROVOKED_AT);

describe('the guarded IPC registrar', () => {
  it('answers a console window the same Result the core gives, after sign-in', async () => {
    const { ipcMain, window } = ipcOver(running.core);
    const contents = window();
    expect(await ipcMain.call(contents, 'system.info')).toMatchObject({ ok: false, error: { code: 'UNAUTHENTICATED' } });
    expect(await ipcMain.call(contents, 'auth.signIn', signIn)).toMatchObject({ ok: true, value: { username: 'dana' } });
    expect(await ipcMain.call(contents, 'system.info')).toMatchObject({ ok: true, value: { transport: 'ipc' } });
  });

  it('refuses a window it never attached, with a Result error, and logs it', async () => {
    const { ipcMain } = ipcOver(running.core);
    const logStart = running.logText().length;
    const stranger = new FakeConsoleContents();
    const result = await ipcMain.call(stranger, 'auth.signIn', signIn);
    expect(result).toEqual({ ok: false, error: { code: 'UNTRUSTED_SENDER', message: expect.stringContaining('refused') } });
    expect(running.logText().slice(logStart)).toContain('IPC call from untrusted sender refused');
    expect(running.logText()).not.toContain('correct horse');
  });

  it('refuses a sub-frame, a frame that is gone, and a window showing a foreign page', async () => {
    const { ipcMain, window } = ipcOver(running.core);
    const contents = window();
    const iframe = { url: contents.mainFrame.url, processId: contents.mainFrame.processId, routingId: 7 };
    expect(await ipcMain.invoke({ sender: contents, senderFrame: iframe }, 'auth.signIn', signIn)).toMatchObject({
      error: { code: 'UNTRUSTED_SENDER' }
    });
    expect(await ipcMain.invoke({ sender: contents, senderFrame: null }, 'auth.signIn', signIn)).toMatchObject({
      error: { code: 'UNTRUSTED_SENDER' }
    });
    contents.mainFrame.url = 'https://evil.example/';
    expect(await ipcMain.call(contents, 'auth.signIn', signIn)).toMatchObject({ error: { code: 'UNTRUSTED_SENDER' } });
    // A sender that only claims another window's id is not that window.
    const impostor = Object.assign(new FakeConsoleContents(), { id: contents.id });
    expect(await ipcMain.call(impostor, 'auth.signIn', signIn)).toMatchObject({ error: { code: 'UNTRUSTED_SENDER' } });
  });

  it('refuses a payload that fails its schema, and an unknown method, with Result errors', async () => {
    const { ipcMain, window } = ipcOver(running.core);
    const logStart = running.logText().length;
    const contents = window();
    expect(await ipcMain.call(contents, 'auth.signIn', { username: '', password: 42 })).toMatchObject({
      ok: false,
      error: { code: 'VALIDATION_FAILED', message: expect.stringContaining('username') }
    });
    await ipcMain.call(contents, 'auth.signIn', signIn);
    expect(await ipcMain.call(contents, 'alerts.list', { limit: 'many' })).toMatchObject({ error: { code: 'VALIDATION_FAILED' } });
    expect(await ipcMain.call(contents, 'system.info', 'not an object')).toMatchObject({ error: { code: 'VALIDATION_FAILED' } });
    expect(await ipcMain.call(contents, 'fs.readFile', { path: '/etc/passwd' })).toMatchObject({ error: { code: 'UNKNOWN_METHOD' } });
    expect(await ipcMain.call(contents, { toString: null }, {})).toMatchObject({ error: { code: 'UNKNOWN_METHOD' } });
    expect(running.logText().slice(logStart)).toContain('IPC call rejected');
  });

  it('keeps one session per window: signing in one window signs in no other', async () => {
    const { ipcMain, ipc, window } = ipcOver(running.core);
    const first = window();
    const second = window();
    await ipcMain.call(first, 'auth.signIn', signIn);
    // The session carries its token's id and times, so revoking the token ends it.
    expect(ipc.sessionOf(first.id)).toEqual({ username: 'dana', role: 'dispatcher', token: { jti: expect.any(String), iat: expect.any(Number), exp: expect.any(Number) } });
    expect(await ipcMain.call(second, 'system.info')).toMatchObject({ error: { code: 'UNAUTHENTICATED' } });
  });

  it('starts signed out again when the page reloads, and forgets a closed window', async () => {
    const { ipcMain, ipc, window } = ipcOver(running.core);
    const contents = window();
    await ipcMain.call(contents, 'auth.signIn', signIn);
    contents.emit('did-start-navigation', { isMainFrame: true, isSameDocument: true });
    expect(ipc.sessionOf(contents.id)).not.toBeNull();
    contents.emit('did-start-navigation', { isMainFrame: false, isSameDocument: false });
    expect(ipc.sessionOf(contents.id)).not.toBeNull();
    contents.emit('did-start-navigation', { isMainFrame: true, isSameDocument: false });
    expect(ipc.sessionOf(contents.id)).toBeNull();
    expect(await ipcMain.call(contents, 'system.info')).toMatchObject({ error: { code: 'UNAUTHENTICATED' } });
    contents.destroyed = true;
    contents.emit('destroyed');
    expect(await ipcMain.call(contents, 'auth.signIn', signIn)).toMatchObject({ error: { code: 'UNTRUSTED_SENDER' } });
  });

  it('pushes events only to signed-in windows whose role may see them', async () => {
    const { ipcMain, window } = ipcOver(running.core);
    const dispatcher = window();
    const auditor = window();
    const signedOut = window();
    await ipcMain.call(dispatcher, 'auth.signIn', signIn);
    await ipcMain.call(auditor, 'auth.signIn', { username: 'audrey', password: 'audit trail' });
    const alert = running.core.alerts.raise({
      key: 'patient:p1:spo2',
      kind: 'vitals',
      severity: 'critical',
      title: 'SpO2 84%',
      message: 'Patient p1 oxygen saturation is 84%.',
      source: 'test'
    });
    running.core.bus.publish('system.heartbeat', { at: PROVOKED_AT, connections: 0 });
    expect(provoked(dispatcher.pushed())).toEqual([
      ['alert.raised', alert],
      ['system.heartbeat', { at: PROVOKED_AT, connections: 0 }]
    ]);
    expect(provoked(auditor.pushed()).map(([name]) => name)).toEqual(['system.heartbeat']);
    expect(signedOut.send).not.toHaveBeenCalled();
    expect(dispatcher.send.mock.calls.every(([channel]) => channel === IPC_EVENT_CHANNEL)).toBe(true);
  });

  it('stops delivering to a destroyed window without disturbing the others, and lets go on dispose', async () => {
    const { ipcMain, ipc, window } = ipcOver(running.core);
    const closing = window();
    const staying = window();
    await ipcMain.call(closing, 'auth.signIn', signIn);
    await ipcMain.call(staying, 'auth.signIn', signIn);
    closing.send.mockImplementation(() => {
      throw new Error('Object has been destroyed');
    });
    running.core.bus.publish('system.heartbeat', { at: PROVOKED_AT, connections: 1 });
    expect(provoked(staying.pushed())).toHaveLength(1);
    ipc.dispose();
    expect(ipcMain.handlers.has(IPC_CALL_CHANNEL)).toBe(false);
    running.core.bus.publish('system.heartbeat', { at: PROVOKED_AT, connections: 2 });
    expect(provoked(staying.pushed())).toHaveLength(1);
  });

  describe('a window whose session the core ends', () => {
    const asAdmin = { operator: { username: 'root', role: 'admin' as const }, transport: 'socket' as const };
    const ended = (contents: FakeConsoleContents) => contents.pushed().filter(([name]) => name === 'auth.sessionEnded');
    const accessRows = async (actor: string, query: string) => {
      const answer = await running.core.api.call('log.accessLog', { limit: 200 }, { operator: { username: 'root', role: 'admin' }, transport: 'socket' });
      return answer.ok ? answer.value.rows.filter((r) => r.actor === actor && r.query === query) : [];
    };

    it('is signed out at once when the operator is disabled, told why, with an access-log row, like a /console socket', async () => {
      await running.core.operators.add('ivy', 'lantern-harbour-88', 'dispatcher');
      const { ipcMain, ipc, window } = ipcOver(running.core);
      const [first, second, other] = [window(), window(), window()];
      await ipcMain.call(first, 'auth.signIn', { username: 'ivy', password: 'lantern-harbour-88' });
      await ipcMain.call(second, 'auth.signIn', { username: 'ivy', password: 'lantern-harbour-88' });
      await ipcMain.call(other, 'auth.signIn', signIn);
      expect((await running.core.api.call('admin.setOperatorDisabled', { username: 'ivy', disabled: true }, asAdmin)).ok).toBe(true);
      // No call from the windows in between: the revocation itself ended both of ivy's sessions.
      expect([ipc.sessionOf(first.id), ipc.sessionOf(second.id)]).toEqual([null, null]);
      for (const window of [first, second]) {
        expect(ended(window)).toEqual([['auth.sessionEnded', { reason: 'revoked', message: expect.stringMatching(/Sign in again/) }]]);
      }
      expect(ipc.sessionOf(other.id)).toMatchObject({ username: 'dana' });
      expect(ended(other)).toEqual([]);
      expect(await ipcMain.call(first, 'system.info')).toMatchObject({ error: { code: 'UNAUTHENTICATED' } });
      const rows = await waitFor('two ipc sessionRevoked rows for ivy in the access log', async () => {
        const found = await accessRows('ivy', 'auth.sessionRevoked');
        return found.length >= 2 ? found : null;
      });
      expect(rows[0]!.params).toMatchObject({ transport: 'ipc', revoked: 'subject', reason: 'account disabled' });
      await running.core.operators.setDisabled('ivy', false);
    });

    it('ends only the window whose token was revoked by id', async () => {
      const { ipcMain, ipc, window } = ipcOver(running.core);
      const [revoked, kept] = [window(), window()];
      await ipcMain.call(revoked, 'auth.signIn', signIn);
      await ipcMain.call(kept, 'auth.signIn', signIn);
      await running.core.revocations.revoke('token', ipc.sessionOf(revoked.id)!.token!.jti, 'root', 'lost workstation');
      expect(ipc.sessionOf(revoked.id)).toBeNull();
      expect(ended(revoked)).toHaveLength(1);
      expect(ipc.sessionOf(kept.id)).toMatchObject({ username: 'dana' });
      expect(await ipcMain.call(kept, 'system.info')).toMatchObject({ ok: true });
    });

    it('is signed out when its token expires, without any call from the window', async () => {
      const { ipcMain, ipc, window } = ipcOver(running.core);
      const contents = window();
      const { token } = await running.core.tokens.sign({ sub: 'dana', role: 'dispatcher' }, 1);
      expect(await ipcMain.call(contents, 'auth.resume', { token })).toMatchObject({ ok: true });
      const seen = await waitFor('the expired session to be ended and the window told', () => (ended(contents).length ? ended(contents) : null));
      expect(seen).toEqual([['auth.sessionEnded', { reason: 'expired', message: 'Your session expired. Sign in again.' }]]);
      expect(ipc.sessionOf(contents.id)).toBeNull();
    });
  });
});
