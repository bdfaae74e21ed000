import net from 'node:net';
import tls from 'node:tls';

export interface RawExchange {
  /** Everything the server wrote before it closed (or before `readUntil` matched). */
  response: string;
  status: number | null;
  /** True when the server closed the connection (rather than us). */
  closedByServer: boolean;
}

/**
 * Opens a TCP (or TLS) connection and writes bytes exactly as given: requests
 * no HTTP client would send (half a body, headers dribbled out, a malformed
 * upgrade). Resolves when the server closes the connection, or when the
 * response so far matches `readUntil`.
 */
export function rawRequest(
  url: string,
  write: (socket: net.Socket) => void,
  options: { readUntil?: RegExp; timeoutMs?: number; ca?: string | Buffer } = {}
): Promise<RawExchange> {
  const u = new URL(url);
  const port = Number(u.port);
  return new Promise((resolve, reject) => {
    const socket: net.Socket =
      u.protocol === 'https:' ? tls.connect({ host: u.hostname, port, ca: options.ca, servername: 'localhost' }) : net.connect({ host: u.hostname, port });
    let response = '';
    let settled = false;
    const finish = (closedByServer: boolean) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      const m = /^HTTP\/1\.1 (\d{3})/.exec(response);
      resolve({ response, status: m ? Number(m[1]) : null, closedByServer });
      socket.destroy();
    };
    const timer = setTimeout(() => {
      settled = true;
      socket.destroy();
      reject(new Error(`no answer within ${options.timeoutMs ?? 30_000} ms; got so far: ${response.slice(0, 200)}`));
    }, options.timeoutMs ?? 30_000);
    socket.on('data', (chunk: Buffer) => {
      response += chunk.toString('latin1');
      if (options.readUntil?.test(response)) finish(false);
    });
    socket.on('close', () => finish(true));
    socket.on('error', () => finish(true));
    socket.once(u.protocol === 'https:' ? 'secureConnect' : 'connect', () => write(socket));
  });
}

/** A JSON text nested `depth` levels deep: `{"a":{"a":...}}`. */
export const nestedJson = (depth: number) => '{"a":'.repeat(depth) + '1' + '}'.repeat(depth);
