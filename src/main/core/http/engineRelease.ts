import type { Server as SocketIOServer } from 'socket.io';

/** The parts of an engine.io socket this file touches (engine.io 6, pinned with socket.io 4.8). */
interface EngineSocket {
  writeBuffer: unknown[];
  transport: {
    name: string;
    /** websocket transport: the `ws` socket. */
    socket?: { close(code: number, reason: string): void; terminate(): void; readyState: number };
    /** polling transport: the pending long-poll request, if any. */
    req?: { socket?: { destroy(): void } } | null;
  };
}

/** WebSocket close code "service restart": the server is coming back, reconnect. */
export const SERVICE_RESTART = 1012;

const flushed = (socket: EngineSocket) => socket.writeBuffer.length === 0;

/**
 * Lets every Socket.IO client go in a way that makes its library reconnect by
 * itself: the engine connection is closed under the socket, so socket.io-client
 * and python-socketio see "transport close" and retry. A server-side
 * `disconnect(true)` sends a DISCONNECT packet instead, which both treat as
 * final ("io server disconnect"), and engine.io's own close of a long-poll sends
 * a CLOSE packet, which python-engineio treats as final too.
 *
 * Waits (up to `deadlineMs`) for what is queued for each client, the answers
 * given during the drain above all, to be handed to its transport first.
 * WebSocket transports close with 1012; long-polls are cut, and the listener
 * stops right after, so the next poll fails and the client retries.
 */
export async function releaseEngineClients(io: SocketIOServer, deadlineMs: number): Promise<number> {
  const clients = Object.values((io.engine as unknown as { clients: Record<string, EngineSocket> }).clients);
  const deadline = Date.now() + deadlineMs;
  while (!clients.every(flushed) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
  const sockets: Array<NonNullable<EngineSocket['transport']['socket']>> = [];
  for (const client of clients) {
    const transport = client.transport;
    if (transport.name === 'websocket' && transport.socket) {
      transport.socket.close(SERVICE_RESTART, 'service restart');
      sockets.push(transport.socket);
    } else transport.req?.socket?.destroy();
  }
  // A client that does not answer the close frame (python's websocket-client may not) would hold
  // the server open for ws's 30 s close timeout: after a moment, cut what is left.
  const open = () => sockets.filter((socket) => socket.readyState !== CLOSED);
  const cutAt = Date.now() + CLOSE_GRACE_MS;
  while (open().length > 0 && Date.now() < cutAt) await new Promise((resolve) => setTimeout(resolve, 20));
  for (const socket of open()) socket.terminate();
  return clients.length;
}

const CLOSED = 3;
const CLOSE_GRACE_MS = 1_000;

/**
 * From now on the engine refuses new connections at the HTTP level (a failed
 * handshake, which every client library retries with its backoff), not with a
 * Socket.IO CONNECT_ERROR from a middleware, which socket.io-client takes as final.
 */
export function refuseNewEngineConnections(io: SocketIOServer): void {
  const engine = io.engine as unknown as { opts: { allowRequest?: (req: unknown, fn: (err: string | null | undefined, ok: boolean) => void) => void } };
  engine.opts.allowRequest = (_req, fn) => fn('The server is restarting; connect again in a moment.', false);
}
