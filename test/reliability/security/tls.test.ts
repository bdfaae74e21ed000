import { spawnSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import fs from 'node:fs';
import https from 'node:https';
import path from 'node:path';
import tls from 'node:tls';
import { io as connectIo, type Socket } from 'socket.io-client';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../helpers/cli';
import { tempDir } from '../../helpers/core';
import { waitFor } from '../../helpers/reliability/clients';
import { rawRequest } from '../../helpers/reliability/rawHttp';
import { jwtSecretOf, startServe, type ServeProcess } from '../../helpers/reliability/serve';
import { signToken } from '../../helpers/reliability/tokens';

/*
 * Transport encryption (section 1 of the security issue) against a real
 * `switchboard serve --tls-cert --tls-key`, with Node and Python clients
 * pinning the self-signed certificate `switchboard cert` printed.
 */

const PYTHON = '/usr/bin/python3';
const pythonHas = (module: string) => fs.existsSync(PYTHON) && spawnSync(PYTHON, ['-c', `import ${module}`]).status === 0;

let serve: ServeProcess;
let dataDir: string;
let certFile: string;
let keyFile: string;
let ca: Buffer;
let fingerprint: string;
let crew: string;

function makeCert(force = false): { fingerprint: string; stdout: string } {
  const res = runCli(['cert', '--self-signed', '--host', 'localhost', '--host', '127.0.0.1', '--data-dir', dataDir, ...(force ? ['--force'] : [])]);
  if (res.code !== 0) throw new Error(`cert failed: ${res.stderr}`);
  const m = /SHA-256 fingerprint \(pin this in clients\): (\S+)/.exec(res.stdout);
  return { fingerprint: m![1]!, stdout: res.stdout };
}

/** The certificate a fresh TLS connection is shown right now. */
function presentedFingerprint(url: string): Promise<string> {
  const u = new URL(url);
  return new Promise((resolve, reject) => {
    const s = tls.connect({ host: u.hostname, port: Number(u.port), rejectUnauthorized: false, servername: 'localhost' }, () => {
      resolve(s.getPeerX509Certificate()!.fingerprint256);
      s.end();
    });
    s.on('error', reject);
  });
}

function socketIo(url: string, options: Record<string, unknown>): Promise<Socket> {
  const socket = connectIo(url, { transports: ['websocket'], forceNew: true, reconnection: false, ...options });
  return new Promise((resolve, reject) => {
    socket.once('connect', () => resolve(socket));
    socket.once('connect_error', (err) => {
      socket.close();
      reject(err);
    });
  });
}

beforeAll(async () => {
  dataDir = tempDir('switchboard-tls-');
  ({ fingerprint } = makeCert());
  certFile = path.join(dataDir, 'tls', 'cert.pem');
  keyFile = path.join(dataDir, 'tls', 'key.pem');
  ca = fs.readFileSync(certFile);
  serve = await startServe({ dataDir, args: ['--tls-cert', certFile, '--tls-key', keyFile] });
  crew = await signToken(jwtSecretOf(dataDir), { sub: 'crew-1', role: 'crew', unit_id: 'U1' });
});
afterAll(async () => {
  await serve?.stop();
});

describe('security: TLS', () => {
  it('serves https/wss with the certificate `switchboard cert` made; pinned, unverified and untrusting clients behave as they should', async () => {
    expect(serve.url).toMatch(/^https:\/\//);
    expect(new X509Certificate(ca).fingerprint256).toBe(fingerprint);
    expect(await presentedFingerprint(serve.url)).toBe(fingerprint);

    const pinned = await socketIo(serve.url, { auth: { token: crew }, ca });
    const ack = (await pinned.timeout(10_000).emitWithAck('ping', {})) as unknown;
    pinned.close();
    const unverified = await socketIo(serve.url, { auth: { token: crew }, rejectUnauthorized: false });
    unverified.close();
    const untrusting = await socketIo(serve.url, { auth: { token: crew } }).then(
      (s) => (s.close(), 'connected'),
      (err: Error) => err.message
    );
    expect(untrusting).not.toBe('connected');

    const wss = new WebSocket(`${serve.url.replace(/^https/, 'wss')}/realtime/ws?token=${crew}`, { ca });
    const hello = await new Promise<Record<string, unknown>>((resolve, reject) => {
      wss.once('message', (raw: WebSocket.RawData) => resolve(JSON.parse(raw.toString()) as Record<string, unknown>));
      wss.once('error', reject);
    });
    wss.close();
    expect(hello.type).toBe('connected');

    const sseStatus = await new Promise<number>((resolve, reject) => {
      const req = https.get(`${serve.url}/realtime/events`, { ca, headers: { authorization: `Bearer ${crew}` } }, (res) => {
        resolve(res.statusCode ?? 0);
        req.destroy();
      });
      req.on('error', reject);
    });
    expect(sseStatus).toBe(200);
    console.log(`[security] held: Socket.IO (pinned ack ${JSON.stringify(ack).slice(0, 40)}; unverified connected; untrusting refused: ${untrusting}), WSS and SSE over TLS with fingerprint ${fingerprint.slice(0, 17)}...`);
  });

  it('refuses plain HTTP and TLS below 1.2 on the TLS port', async () => {
    const plain = await rawRequest(serve.url.replace(/^https/, 'http'), (s) => s.write('GET / HTTP/1.1\r\nHost: x\r\n\r\n'), { timeoutMs: 20_000 });
    expect(plain.status === 200 || plain.status === 401).toBe(false);
    const u = new URL(serve.url);
    const old = await new Promise<string>((resolve) => {
      const s = tls.connect({ host: u.hostname, port: Number(u.port), ca, servername: 'localhost', maxVersion: 'TLSv1.1', minVersion: 'TLSv1' }, () => {
        resolve(`connected with ${s.getProtocol()}`);
        s.end();
      });
      s.on('error', (err) => resolve(`refused: ${(err as NodeJS.ErrnoException).code ?? err.message}`));
    });
    expect(old).toMatch(/^refused/);
    console.log(`[security] held: plain HTTP on the TLS port got ${plain.status ?? 'no HTTP answer'} (${JSON.stringify(plain.response.slice(0, 30))}); TLS 1.1: ${old}`);
  });

  it('reloads a renewed certificate without a restart, and keeps open connections', async () => {
    const open = await socketIo(serve.url, { auth: { token: crew }, ca });
    const { fingerprint: renewed } = makeCert(true);
    expect(renewed).not.toBe(fingerprint);
    await waitFor('new TLS connections to be shown the renewed certificate', async () => (await presentedFingerprint(serve.url)) === renewed, 30_000);
    expect(open.connected).toBe(true);
    const ack = (await open.timeout(10_000).emitWithAck('ping', {})) as { ok: boolean };
    expect(ack.ok).toBe(true);
    open.close();
    const repinned = await socketIo(serve.url, { auth: { token: crew }, ca: fs.readFileSync(certFile) });
    repinned.close();
    console.log(`[security] held: certificate ${fingerprint.slice(0, 11)}... renewed to ${renewed.slice(0, 11)}... while serving; the open socket kept working`);
    fingerprint = renewed;
    ca = fs.readFileSync(certFile);
  });

  it.skipIf(!pythonHas('ssl') || !pythonHas('websockets') || !pythonHas('socketio'))('serves Python websockets and python-socketio clients that pin the CA with ssl', async () => {
    const script = `
import asyncio, json, ssl, sys
import socketio, websockets
url, token, ca = sys.argv[1], sys.argv[2], sys.argv[3]
context = ssl.create_default_context(cafile=ca)
async def ws():
    async with websockets.connect(url.replace('https', 'wss') + '/realtime/ws?token=' + token, ssl=context) as w:
        return json.loads(await w.recv())['type']
ws_type = asyncio.run(asyncio.wait_for(ws(), 20))
# python-engineio passes verify=True on every request, so the pinned CA comes in through requests' own variable.
sio = socketio.Client(reconnection=False)
sio.connect(url, auth={'token': token}, transports=['polling'])
ack = sio.call('ping', {}, timeout=10)
sio.disconnect()
async def unpinned_ws():
    try:
        async with websockets.connect(url.replace('https', 'wss') + '/realtime/ws?token=' + token, ssl=ssl.create_default_context()):
            return 'connected'
    except ssl.SSLCertVerificationError as e:
        return 'SSLCertVerificationError: ' + e.verify_message
unpinned = asyncio.run(asyncio.wait_for(unpinned_ws(), 20))
print(json.dumps({'ws': ws_type, 'sio_ack': ack, 'unpinned': unpinned}), flush=True)
`;
    const res = spawnSync(PYTHON, ['-c', script, serve.url, crew, certFile], { encoding: 'utf8', timeout: 60_000, env: { ...process.env, REQUESTS_CA_BUNDLE: certFile } });
    expect(res.status, res.stderr).toBe(0);
    const out = JSON.parse(res.stdout.trim().split('\n').at(-1)!) as { ws: string; sio_ack: { ok: boolean }; unpinned: string };
    expect(out.ws).toBe('connected');
    expect(out.sio_ack.ok).toBe(true);
    expect(out.unpinned).toMatch(/^SSLCertVerificationError/);
    console.log(`[security] held: Python websockets and python-socketio over TLS with a pinned CA: ${JSON.stringify(out)}`);
  });
});

describe('security: exposure without TLS', () => {
  it('refuses to serve plain HTTP beyond loopback, saying why and what to pass; --insecure-http overrides', async () => {
    const dir = tempDir('switchboard-expose-');
    const refused = await startServe({ dataDir: dir, args: ['--host', '0.0.0.0'] }).then(
      async (s) => (await s.stop(), 'started'),
      (err: Error) => err.message
    );
    expect(refused).toMatch(/Refusing to serve plain HTTP on 0\.0\.0\.0/);
    expect(refused).toMatch(/--tls-cert/);
    expect(refused).toMatch(/--insecure-http/);
    const insecure = await startServe({ dataDir: dir, args: ['--host', '0.0.0.0', '--insecure-http'] });
    expect(insecure.url).toMatch(/^http:\/\//);
    await insecure.stop();
    const proxied = await startServe({ dataDir: dir, args: ['--host', '0.0.0.0', '--trust-proxy'] });
    await proxied.stop();
    console.log(`[security] held: 0.0.0.0 without TLS refused ("${/Refusing[^.]*\./.exec(refused)?.[0]}"); --insecure-http and --trust-proxy start`);
  });
});
