import WebSocket from 'ws';
import { ERROR_CODES } from '../../../src/shared/result';
import { STATE_DEADLINE_MS } from '../waitFor';
export { waitFor } from '../waitFor';

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

const KNOWN_CODES = new Set<string>(ERROR_CODES);

/** An answer a client can act on: success, or an error with a stable code and a sentence. */
export function isClearAnswer(body: unknown): boolean {
  if (!body || typeof body !== 'object') return false;
  const b = body as { ok?: unknown; error?: { code?: unknown; message?: unknown } };
  if (b.ok === true) return true;
  return b.ok === false && typeof b.error?.code === 'string' && KNOWN_CODES.has(b.error.code) && typeof b.error.message === 'string' && b.error.message.length > 0;
}

export const errorCodeOf = (body: unknown): string => {
  const b = body as { ok?: unknown; error?: { code?: unknown } } | null;
  return b?.ok === true ? 'ok' : typeof b?.error?.code === 'string' ? b.error.code : 'unclear';
};

export class ConnectRefused extends Error {
  constructor(readonly data: unknown, message: string) {
    super(message);
  }
}

/**
 * A Socket.IO v4 client written against the wire protocol (engine.io 4 over a
 * raw WebSocket). The fuzzer needs it: it sends payload JSON text as is (nesting
 * no JSON.stringify can build, bytes no encoder would produce) and malformed
 * packets, and it keeps thousands of acks in flight cheaply.
 */
export class RawSocketIo {
  private nextAck = 1;
  private readonly pending = new Map<number, { resolve(v: unknown[]): void; reject(e: Error): void }>();
  readonly received: Array<{ event: string; args: unknown[] }> = [];
  closed = false;
  closeCode: number | null = null;
  private keepReceived = false;

  private constructor(readonly ws: WebSocket, readonly nsp: string) {}

  static connect(
    baseUrl: string,
    options: { token?: unknown; nsp?: string; auth?: unknown; query?: Record<string, string>; keepReceived?: boolean; timeoutMs?: number; headers?: Record<string, string> } = {}
  ): Promise<RawSocketIo> {
    const nsp = options.nsp ?? '/';
    const query = new URLSearchParams({ EIO: '4', transport: 'websocket', ...options.query });
    const ws = new WebSocket(`${baseUrl.replace(/^http/, 'ws')}/socket.io/?${query}`, { perMessageDeflate: false, headers: options.headers });
    const client = new RawSocketIo(ws, nsp);
    client.keepReceived = options.keepReceived ?? false;
    const prefix = nsp === '/' ? '' : `${nsp},`;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        ws.terminate();
        reject(new Error('socket.io connect timed out'));
      }, options.timeoutMs ?? STATE_DEADLINE_MS);
      let connected = false;
      ws.on('message', (raw: WebSocket.RawData) => {
        const text = raw.toString();
        if (text === '2') return ws.send('3');
        if (text.startsWith('0')) {
          const auth = options.auth !== undefined ? options.auth : options.token !== undefined ? { token: options.token } : undefined;
          ws.send(`40${prefix}${auth === undefined ? '' : JSON.stringify(auth)}`);
          return;
        }
        if (!connected && text.startsWith(`40${prefix}`)) {
          connected = true;
          clearTimeout(timer);
          return resolve(client);
        }
        if (!connected && text.startsWith(`44${prefix}`)) {
          clearTimeout(timer);
          const data = JSON.parse(text.slice(2 + prefix.length)) as { message?: string; data?: unknown };
          ws.close();
          return reject(new ConnectRefused(data.data ?? data, data.message ?? 'refused'));
        }
        client.onPacket(text);
      });
      ws.on('error', (err) => {
        if (!connected) {
          clearTimeout(timer);
          reject(err);
        }
      });
      ws.on('close', (code) => {
        client.closed = true;
        client.closeCode = code;
        for (const p of client.pending.values()) p.reject(new Error(`connection closed (${code})`));
        client.pending.clear();
        if (!connected) {
          clearTimeout(timer);
          reject(new Error(`closed before connect (${code})`));
        }
      });
    });
  }

  private onPacket(text: string) {
    // 42[nsp,][id][...] event; 43[nsp,]id[...] ack.
    const type = text.slice(0, 2);
    let rest = text.slice(2);
    if (this.nsp !== '/' && rest.startsWith(`${this.nsp},`)) rest = rest.slice(this.nsp.length + 1);
    const m = /^(\d*)([[{].*)$/s.exec(rest);
    if (!m) return;
    if (type === '43') {
      const id = Number(m[1]);
      const waiter = this.pending.get(id);
      if (waiter) {
        this.pending.delete(id);
        waiter.resolve(JSON.parse(m[2]!) as unknown[]);
      }
    } else if (type === '42' && this.keepReceived) {
      const [event, ...args] = JSON.parse(m[2]!) as [string, ...unknown[]];
      this.received.push({ event, args });
    }
  }

  /** Emits `event` with arguments given as JSON texts (undefined = none) and resolves with the ack's arguments. */
  emitJson(event: string, argsJson: Array<string | undefined>, timeoutMs = 30_000): Promise<unknown[]> {
    if (this.closed) return Promise.reject(new Error('connection closed'));
    const id = this.nextAck++;
    const args = argsJson.filter((a): a is string => a !== undefined);
    const prefix = this.nsp === '/' ? '' : `${this.nsp},`;
    const packet = `42${prefix}${id}[${[JSON.stringify(event), ...args].join(',')}]`;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new Error(`no ack for ${event} within ${timeoutMs} ms`));
      }, timeoutMs);
      this.pending.set(id, {
        resolve: (v) => {
          clearTimeout(timer);
          resolve(v);
        },
        reject: (e) => {
          clearTimeout(timer);
          reject(e);
        }
      });
      this.ws.send(packet);
    });
  }

  emit(event: string, ...args: unknown[]): Promise<unknown[]> {
    return this.emitJson(event, args.map((a) => (a === undefined ? undefined : JSON.stringify(a))));
  }

  /** Sends a raw frame (malformed packets for the protocol fuzz). */
  sendRaw(data: string | Buffer, binary = false): void {
    if (!this.closed) this.ws.send(data, { binary });
  }

  inFlight(): number {
    return this.pending.size;
  }

  close(): void {
    this.ws.terminate();
  }
}

/** A device-stream WebSocket client on /realtime/ws...: counts every answer the server sends. */
export class HubWebSocket {
  readonly messages: Array<Record<string, unknown>> = [];
  answers = 0;
  /** Answers by code ('ok' for acks, pongs and subscriptions). */
  readonly codes = new Map<string, number>();
  /** Error answers without a stable code and a sentence. */
  readonly unclearAnswers: string[] = [];
  closed = false;
  closeCode: number | null = null;
  private keep: boolean;

  private constructor(readonly ws: WebSocket, keep: boolean) {
    this.keep = keep;
  }

  static connect(baseUrl: string, path: string, token: string | undefined, options: { keep?: boolean; header?: boolean } = {}): Promise<HubWebSocket> {
    const url = `${baseUrl.replace(/^http/, 'ws')}${path}${token && !options.header ? `${path.includes('?') ? '&' : '?'}token=${encodeURIComponent(token)}` : ''}`;
    const ws = new WebSocket(url, { perMessageDeflate: false, headers: token && options.header ? { authorization: `Bearer ${token}` } : {} });
    const client = new HubWebSocket(ws, options.keep ?? true);
    return new Promise((resolve, reject) => {
      ws.on('unexpected-response', (_req, res) => {
        let body = '';
        res.on('data', (c: Buffer) => (body += c.toString()));
        res.on('end', () => reject(Object.assign(new Error(`upgrade refused ${res.statusCode}`), { status: res.statusCode, body })));
      });
      ws.on('error', reject);
      ws.on('message', (raw: WebSocket.RawData) => {
        let msg: Record<string, unknown>;
        try {
          msg = JSON.parse(raw.toString()) as Record<string, unknown>;
        } catch {
          msg = { type: 'unparseable' };
        }
        if (msg.type === 'connected') return resolve(client);
        if (['ack', 'error', 'pong', 'subscription', 'history'].includes(String(msg.type))) {
          client.answers += 1;
          const code = msg.type === 'error' ? (isClearAnswer({ ok: false, error: msg.error }) ? errorCodeOf(msg) : 'unclear') : 'ok';
          client.codes.set(code, (client.codes.get(code) ?? 0) + 1);
          if (code === 'unclear' && client.unclearAnswers.length < 5) client.unclearAnswers.push(JSON.stringify(msg).slice(0, 300));
        }
        if (client.keep) client.messages.push(msg);
      });
      ws.on('close', (code) => {
        client.closed = true;
        client.closeCode = code;
      });
    });
  }

  send(data: string | Buffer, binary = false) {
    if (!this.closed) this.ws.send(data, { binary });
  }

  close() {
    this.ws.terminate();
  }
}
