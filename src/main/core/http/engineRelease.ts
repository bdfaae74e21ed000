import type { Server as SocketIOServer } from 'socket.io';

/** The parts of an engine.io socket this file touches (engine.io 6, pinned with socket.io 4.8). */
interface EngineSocket {
  writeBuffer: unknown[];
  transport: {
    name: string;
    /** websocket transport: the `ws` socket. */
    socket?: { close(code: number, reason: string): void };
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
  for (const client of clients) {
    const transport = client.transport;
    if (transport.name === 'websocket' && transport.socket) transport.socket.close(SERVICE_RESTART, 'service restart');
    else transport.req?.socket?.destroy();
  }
  return clients.length;
}
