import { queryLog } from '../../helpers/logQuery';
import { io as connectIo, type Socket } from 'socket.io-client';
import WebSocket from 'ws';
import type { Identity } from '../../../src/shared/roles';
import { startTestCore, tokenFor, type TestCore } from '../../helpers/core';
import { STATE_DEADLINE_MS } from '../../helpers/waitFor';

export type Ack = { ok: true; id: number | null; [key: string]: unknown } | { ok: false; error: { code: string; message: string } };

export interface HubHarness {
  running: TestCore;
  url: string;
  token(identity: Identity, ttlSeconds?: number): Promise<string>;
  socket(identity: Identity | null, options?: { token?: string; query?: Record<string, string> }): Promise<Socket>;
  ws(path: string, identity: Identity): Promise<WsClient>;
  close(): Promise<void>;
}

export interface WsClient {
  ws: WebSocket;
  messages: Array<Record<string, unknown>>;
  next(predicate: (m: Record<string, unknown>) => boolean, timeoutMs?: number): Promise<Record<string, unknown>>;
  send(body: unknown): void;
}

export const emitAck = (socket: Socket, event: string, payload?: unknown, timeoutMs = 5000): Promise<Ack> =>
  socket.timeout(timeoutMs).emitWithAck(event, payload) as Promise<Ack>;

export function nextEvent<T = unknown>(socket: Socket, event: string, timeoutMs = STATE_DEADLINE_MS): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no ${event} within ${timeoutMs} ms`)), timeoutMs);
    socket.once(event, (data: T) => {
      clearTimeout(timer);
      resolve(data);
    });
  });
}

export async function startHubHarness(hubConfig: Record<string, unknown> = {}, logConfig?: Record<string, unknown>): Promise<HubHarness> {
  const running = await startTestCore({ hub: hubConfig, logLevel: 'warn', ...(logConfig ? { log: logConfig } : {}) });
  const sockets: Socket[] = [];
  const wsClients: WebSocket[] = [];
  const url = running.core.url;
  const harness: HubHarness = {
    running,
    url,
    token: (identity, ttl) => tokenFor(running.core, identity, ttl),
    async socket(identity, options = {}) {
      const token = options.token ?? (identity ? await harness.token(identity) : undefined);
      const socket = connectIo(url, { transports: ['websocket'], auth: token ? { token } : {}, query: options.query, reconnection: false, forceNew: true });
      sockets.push(socket);
      await new Promise<void>((resolve, reject) => {
        socket.once('connect', () => resolve());
        socket.once('connect_error', (err) => reject(err));
      });
      return socket;
    },
    async ws(path, identity) {
      const token = await harness.token(identity);
      const sep = path.includes('?') ? '&' : '?';
      const ws = new WebSocket(`${url.replace('http', 'ws')}${path}${sep}token=${token}`);
      wsClients.push(ws);
      const messages: Array<Record<string, unknown>> = [];
      const waiters: Array<{ predicate: (m: Record<string, unknown>) => boolean; resolve: (m: Record<string, unknown>) => void }> = [];
      ws.on('message', (raw) => {
        const m = JSON.parse(raw.toString()) as Record<string, unknown>;
        messages.push(m);
        for (const w of [...waiters]) if (w.predicate(m)) {
          waiters.splice(waiters.indexOf(w), 1);
          w.resolve(m);
        }
      });
      await new Promise<void>((resolve, reject) => {
        ws.once('open', () => resolve());
        ws.once('error', reject);
      });
      return {
        ws,
        messages,
        send: (body) => ws.send(JSON.stringify(body)),
        next(predicate, timeoutMs = STATE_DEADLINE_MS) {
          const found = messages.find(predicate);
          if (found) return Promise.resolve(found);
          return new Promise((resolve, reject) => {
            const timer = setTimeout(() => reject(new Error('no matching websocket message')), timeoutMs);
            waiters.push({ predicate, resolve: (m) => (clearTimeout(timer), resolve(m)) });
          });
        }
      };
    },
    async close() {
      sockets.forEach((s) => s.disconnect());
      wsClients.forEach((w) => w.terminate());
      await running.close();
    }
  };
  return harness;
}

/** Reads socket-log rows straight from the database file (the log domain's table). */
/** The socket log's rows matching `where`, on SQLite or, in cluster test mode, PostgreSQL. */
export async function logRows(h: HubHarness, where = '1=1', ...params: unknown[]): Promise<Array<Record<string, unknown>>> {
  return queryLog(h.running.core, `SELECT * FROM socket_logs WHERE ${where} ORDER BY id`, ...params);
}

export const hasLog = (h: HubHarness) => Boolean((h.running.core.services as { log?: unknown }).log);
