import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createSelfSignedCertificate } from '../../../src/main/core/http/selfSignedCert';
import { createLogger, createSecretScrubber } from '../../../src/main/core/logger';
import { registerConsoleIpc } from '../../../src/main/ipc/consoleIpc';
import { registerDesktopIpc } from '../../../src/main/ipc/desktopIpc';
import { isTrustedRendererUrl } from '../../../src/main/window/rendererLocation';
import { startAttached, type AttachedBackend } from '../../../src/main/workstation/attachedBackend';
import { attachTlsOptions } from '../../../src/main/workstation/pinning';
import { IPC_LINK_STATE_CHANNEL } from '../../../src/shared/desktop';
import { startTestCore, tempDir, type TestCore } from '../../helpers/core';
import { waitFor } from '../../helpers/waitFor';
import { FakeConsoleContents, FakeIpcMain, rendererLocation } from './ipcHarness';

/**
 * An attached workstation against a real core on loopback: the pin checked
 * against a real TLS server, and the attached IPC bridge (the same guarded
 * registrar as embedded) in front of a real `/console` link.
 */

const FAST_LINK = { pingEveryMs: 200, silentAfterMs: 1_500, callBudgetMs: 10_000 };
const PASSWORD = 'correct horse';

function capturingLog() {
  const lines: string[] = [];
  const sink = new PassThrough();
  sink.on('data', (chunk: Buffer) => lines.push(chunk.toString('utf8')));
  return { log: createLogger({ level: 'info', scrubber: createSecretScrubber(), destination: sink }), text: () => lines.join('') };
}

function certificateFiles(dir: string, name: string) {
  const pair = createSelfSignedCertificate({ hosts: ['127.0.0.1', 'localhost'] });
  const certFile = path.join(dir, `${name}.pem`);
  const keyFile = path.join(dir, `${name}.key`);
  fs.writeFileSync(certFile, pair.certPem);
  fs.writeFileSync(keyFile, pair.keyPem, { mode: 0o600 });
  return { ...pair, certFile, keyFile };
}

const backends: AttachedBackend[] = [];
afterEach(async () => {
  for (const b of backends.splice(0)) await b.close();
});

describe('certificate pinning against a real TLS centre', () => {
  let centre: TestCore;
  let cert: ReturnType<typeof certificateFiles>;
  let other: ReturnType<typeof certificateFiles>;
  beforeAll(async () => {
    const dir = tempDir('switchboard-pin-');
    cert = certificateFiles(dir, 'centre');
    other = certificateFiles(dir, 'other');
    centre = await startTestCore({ logLevel: 'warn', security: { tlsCert: cert.certFile, tlsKey: cert.keyFile } });
    await centre.core.operators.add('dana', PASSWORD, 'dispatcher');
    expect(centre.core.url).toMatch(/^https:\/\//);
  });
  afterAll(async () => {
    await centre.close();
  });

  it('accepts the centre whose certificate has the pinned fingerprint, and the console signs in over it', async () => {
    const { log } = capturingLog();
    const backend = await startAttached({ mode: 'attached', url: centre.core.url, pin: cert.fingerprint }, log, { link: FAST_LINK });
    backends.push(backend);
    await waitFor('the pinned link to come up', () => backend.link.state() === 'up');
    const signedIn = await backend.connection.link.call('auth.signIn', { username: 'dana', password: PASSWORD });
    expect(signedIn).toMatchObject({ ok: true, value: { username: 'dana' } });
    expect(await backend.connection.link.call('system.info', {})).toMatchObject({ ok: true, value: { transport: 'socket' } });
  });

  it('refuses a centre presenting another certificate, naming both fingerprints, before anything is sent', async () => {
    const { log } = capturingLog();
    const refused = await startAttached({ mode: 'attached', url: centre.core.url, pin: other.fingerprint }, log).then(
      () => null,
      (err: Error & { code?: string }) => err
    );
    expect(refused?.code).toBe('PIN_MISMATCH');
    expect(refused?.message).toContain(cert.fingerprint);
    expect(refused?.message).toContain(other.fingerprint);
    expect(refused?.message).toMatch(/Nothing was sent/);
  });

  it('checks the pin again on every real connection: a server that is not the probed certificate never gets the link up', async () => {
    // The probe says "other" (as if the real server were swapped after it), and the pin is "other": the handshake with the real centre fails.
    const { log, text } = capturingLog();
    const probe = async () => ({ fingerprint: other.fingerprint, pem: other.certPem, subject: '', validTo: '' });
    const backend = await startAttached({ mode: 'attached', url: centre.core.url, pin: other.fingerprint }, log, { link: FAST_LINK, probe });
    backends.push(backend);
    await waitFor('the link to report the refused certificate', () => /cannot reach the centre/.test(text()));
    expect(backend.link.state()).not.toBe('up');
    expect(await backend.connection.link.call('auth.signIn', { username: 'dana', password: PASSWORD })).toMatchObject({ ok: false, error: { code: 'OFFLINE' } });
  });

  it('without a pin trusts only the system store: a self-signed centre is refused', async () => {
    const { log, text } = capturingLog();
    const backend = await startAttached({ mode: 'attached', url: centre.core.url }, log, { link: FAST_LINK });
    backends.push(backend);
    await waitFor('the link to report the untrusted certificate', () => /cannot reach the centre/.test(text()));
    expect(text()).toMatch(/self.signed|certificate/i);
    expect(backend.link.state()).not.toBe('up');
  });

  it('a pinned centre unreachable at start: nothing connects until the pin is checked, then the link comes up', async () => {
    const blocker = net.createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const freePort = (blocker.address() as net.AddressInfo).port;
    await new Promise((resolve) => blocker.close(resolve));
    const { log, text } = capturingLog();
    const backend = await startAttached({ mode: 'attached', url: `https://127.0.0.1:${freePort}`, pin: cert.fingerprint }, log, { link: FAST_LINK, retryMs: [100, 500] });
    backends.push(backend);
    expect(text()).toContain('its certificate is checked when it answers');
    expect(backend.tls()).toBeNull();
    expect(await backend.connection.link.call('auth.signIn', { username: 'dana', password: PASSWORD })).toMatchObject({ ok: false, error: { code: 'OFFLINE' } });

    const late = await startTestCore({ logLevel: 'warn', port: freePort, security: { tlsCert: cert.certFile, tlsKey: cert.keyFile } });
    try {
      await late.core.operators.add('dana', PASSWORD, 'dispatcher');
      await waitFor('the link up once the pin was checked', () => backend.link.state() === 'up');
      expect(text()).toContain('certificate checked, connecting');
      expect(await backend.connection.link.call('auth.signIn', { username: 'dana', password: PASSWORD })).toMatchObject({ ok: true });
    } finally {
      await backend.close();
      await late.close();
    }
  });

  it('refuses plain http to a centre on the network, and accepts it on loopback', async () => {
    await expect(attachTlsOptions('http://10.20.30.40:8780', undefined)).rejects.toMatchObject({ code: 'INSECURE_URL' });
    await expect(attachTlsOptions('http://127.0.0.1:8780', undefined)).resolves.toEqual({});
  });
});

describe('the attached IPC bridge', () => {
  let centre: TestCore;
  let port: number;
  beforeAll(async () => {
    centre = await startTestCore({ logLevel: 'warn' });
    await centre.core.operators.add('dana', PASSWORD, 'dispatcher');
    port = Number(new URL(centre.core.url).port);
  });
  afterAll(async () => {
    await centre.close();
  });

  async function bridge() {
    const { log } = capturingLog();
    const backend = await startAttached({ mode: 'attached', url: centre.core.url }, log, { link: FAST_LINK });
    backends.push(backend);
    const ipcMain = new FakeIpcMain();
    const isTrustedUrl = (url: string) => isTrustedRendererUrl(url, rendererLocation);
    const ipc = registerConsoleIpc({ ipcMain, api: backend.api, bus: backend.bus, isTrustedUrl, log, ...backend.sessions });
    const desktop = registerDesktopIpc({ ipcMain, isTrustedUrl, roleOf: (id) => ipc.sessionOf(id)?.role ?? null, link: backend.link, handlers: {}, log });
    const window = () => {
      const contents = new FakeConsoleContents();
      ipc.attach(contents);
      desktop.attach(contents);
      return contents;
    };
    await waitFor('the attached link to come up', () => backend.link.state() === 'up');
    return { backend, ipcMain, window, dispose: () => (ipc.dispose(), desktop.dispose()) };
  }

  it('answers only console windows, parses input before anything travels, and signs the window in at the centre', async () => {
    const { ipcMain, window, dispose } = await bridge();
    const contents = window();
    expect(await ipcMain.call(new FakeConsoleContents(), 'auth.signIn', { username: 'dana', password: PASSWORD })).toMatchObject({ ok: false, error: { code: 'UNTRUSTED_SENDER' } });
    expect(await ipcMain.call(contents, 'fs.readFile', {})).toMatchObject({ ok: false, error: { code: 'UNKNOWN_METHOD' } });
    expect(await ipcMain.call(contents, 'auth.signIn', { username: '', password: 'x' })).toMatchObject({ ok: false, error: { code: 'VALIDATION_FAILED' } });
    expect(await ipcMain.call(contents, 'system.info', {})).toMatchObject({ ok: false, error: { code: 'UNAUTHENTICATED' } });
    expect(await ipcMain.call(contents, 'auth.signIn', { username: 'dana', password: PASSWORD })).toMatchObject({ ok: true, value: { username: 'dana', role: 'dispatcher' } });
    expect(await ipcMain.call(contents, 'system.info', {})).toMatchObject({ ok: true, value: { transport: 'socket' } });
    dispose();
  });

  it('delivers the centre’s events to the signed-in windows of this workstation, all sharing one session', async () => {
    const { ipcMain, window, dispose } = await bridge();
    const main = window();
    const mapWindow = window();
    const signedOut = window();
    const session = await ipcMain.call(main, 'auth.signIn', { username: 'dana', password: PASSWORD });
    const token = (session as { value: { token: string } }).value.token;
    // The view window resumes the opener's session (its token), over the same link.
    expect(await ipcMain.call(mapWindow, 'auth.resume', { token })).toMatchObject({ ok: true, value: { username: 'dana' } });
    centre.core.alerts.raise({ key: 'patient:p7:arrest', kind: 'patient', severity: 'critical', title: 'Cardiac arrest, patient p7', message: 'CPR in progress.', source: 'test' });
    for (const contents of [main, mapWindow]) {
      await waitFor('the alert in every signed-in window', () => contents.pushed().some(([name, payload]) => name === 'alert.raised' && (payload as { title: string }).title.includes('p7')));
    }
    expect(signedOut.pushed().filter(([name]) => name === 'alert.raised')).toEqual([]);
    dispose();
  });

  it('refuses to act while the centre is gone ("NOT sent"), tells every window, and after it is back resumes the session by itself', async () => {
    const { ipcMain, window, dispose } = await bridge();
    const contents = window();
    expect(await ipcMain.call(contents, 'auth.signIn', { username: 'dana', password: PASSWORD })).toMatchObject({ ok: true });
    const notices = () => contents.send.mock.calls.filter(([channel]) => channel === IPC_LINK_STATE_CHANNEL).map(([, notice]) => notice);

    await centre.close();
    await waitFor('the window to be told the link is down', () => notices().some((n) => (n as { state?: string }).state === 'down'));
    const refused = await ipcMain.call(contents, 'dispatch.snapshot', {});
    expect(refused).toMatchObject({ ok: false, error: { code: 'OFFLINE', message: expect.stringMatching(/^NOT sent/) } });
    // Bad input is still refused as bad input: the parse comes before the link.
    expect(await ipcMain.call(contents, 'auth.signIn', { username: '' })).toMatchObject({ ok: false, error: { code: 'VALIDATION_FAILED' } });

    centre = await startTestCore({ logLevel: 'warn', port, dataDir: centre.dataDir });
    await waitFor('the link back up', () => notices().some((n, i) => i > 0 && (n as { state?: string }).state === 'up'));
    await waitFor('a resync notice (the centre restarted)', () => notices().some((n) => (n as { resync?: string }).resync === 'restart'));
    // The handshake carried the kept token: signed in again without a password.
    await waitFor('the session back', async () => (await ipcMain.call(contents, 'dispatch.snapshot', {})).ok);
    dispose();
  });
});
