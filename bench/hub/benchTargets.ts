import fs from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import os from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { Server } from 'socket.io';
import { createCore, type Core } from '../../src/main/core/createCore';
import { createSelfSignedCertificate } from '../../src/main/core/http/selfSignedCert';

/** The two servers the hub benchmark compares: bare Socket.IO and the Switchboard hub, over plain HTTP or TLS. */

export interface BenchTls {
  cert: string;
  key: string;
  certFile: string;
  keyFile: string;
}

/** A certificate for loopback, written where the load generator (a child process) is told to trust it. */
export function benchCertificate(): BenchTls {
  const made = createSelfSignedCertificate({ hosts: ['127.0.0.1', 'localhost'] });
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'switchboard-bench-tls-'));
  const certFile = path.join(dir, 'cert.pem');
  const keyFile = path.join(dir, 'key.pem');
  fs.writeFileSync(certFile, made.certPem);
  fs.writeFileSync(keyFile, made.keyPem, { mode: 0o600 });
  return { cert: made.certPem, key: made.keyPem, certFile, keyFile };
}

export interface Target {
  name: string;
  url: string;
  tokens(n: number, role?: 'crew' | 'supervisor'): Promise<string[]>;
  publish(room: string, event: string, data: unknown): void;
  heapUsed(): number;
  close(): Promise<void>;
}

export async function startBare(TLS: BenchTls | null): Promise<Target> {
  const server = TLS ? https.createServer({ cert: TLS.cert, key: TLS.key, minVersion: 'TLSv1.2' }) : http.createServer();
  const io = new Server(server, { serveClient: false });
  io.on('connection', (socket) => {
    socket.on('update_location', (_payload: unknown, ack?: (b: unknown) => void) => ack?.({ ok: true, id: 0 }));
    socket.on('join_room', (payload: { room: string }, ack?: (b: unknown) => void) => {
      void socket.join(payload.room);
      ack?.({ ok: true, id: 0 });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  return {
    name: 'bare socket.io',
    url: `${TLS ? 'https' : 'http'}://127.0.0.1:${port}`,
    tokens: async (n) => Array.from({ length: n }, () => 'none'),
    publish: (room, event, data) => io.to(room).emit(event, data),
    heapUsed: () => process.memoryUsage().heapUsed,
    close: () => new Promise((resolve) => io.close(() => resolve()))
  };
}

export async function startHub(dataDir: string, TLS: BenchTls | null): Promise<Target & { core: Core }> {
  const sink = new PassThrough();
  sink.resume();
  const core = await createCore(
    {
      host: '127.0.0.1',
      port: 0,
      dataDir,
      logLevel: 'warn',
      hub: { ratePerSecond: 1000, burst: 2000, historyPerRoom: 20 },
      // The load generator is one address opening tens of thousands of connections.
      security: { maxConnectionsPerAddress: 1_000_000, ...(TLS ? { tlsCert: TLS.certFile, tlsKey: TLS.keyFile } : {}) }
    },
    { logDestination: sink }
  );
  return {
    name: 'switchboard hub',
    url: core.url,
    core,
    async tokens(n, role = 'crew') {
      const out: string[] = [];
      for (let i = 0; i < n; i++) {
        const identity = role === 'crew' ? { sub: `crew-${i}`, role, unit_id: `U${i}` } : { sub: `ops-${i}`, role };
        out.push((await core.tokens.sign(identity, 3600)).token);
      }
      return out;
    },
    publish: (room, event, data) => core.services.hub.publish(room, event, data),
    heapUsed: () => process.memoryUsage().heapUsed,
    close: () => core.close()
  };
}

