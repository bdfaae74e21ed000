/**
 * A minimal Socket.IO client speaking the wire protocol (Engine.IO 4 over a
 * plain WebSocket, Socket.IO 5 packets) with pre-encoded event frames, for the
 * throughput ladder. socket.io-client costs about 40 us of CPU per acked event
 * on this machine; on 2 cores the load generator then takes a core's worth of
 * the CPU the servers under test compete for, and the bare/hub ratio measures
 * the generator as much as the servers. What the server receives and does is
 * identical either way (the connect storm and fan-out still use socket.io-client).
 *
 * Protocol: server `0{sid,pingInterval,...}` (open) -> client `40{auth}` ->
 * server `40{sid}` or `44{message}`; server `2` (ping) -> client `3` (pong);
 * client `42<ackId>["event",payload]` -> server `43<ackId>[body]`.
 */
import WebSocket from 'ws';

export interface RawSocket {
  /** Sends a pre-encoded event; `onAck` gets the first ack argument. */
  emit(ackId: number, frameTail: string, onAck: (body: { ok?: boolean }) => void): void;
  close(): void;
}

/** The part of an event frame after the ack id, encoded once for every send. */
export const encodeEvent = (event: string, payload: unknown): string => JSON.stringify([event, payload]);

export function connectRaw(url: string, token: string, timeoutMs = 20_000): Promise<RawSocket> {
  const wsUrl = `${url.replace(/^http/, 'ws')}/socket.io/?EIO=4&transport=websocket`;
  return new Promise((resolve, reject) => {
    // A fixed all-zero mask: valid framing, and the generator spends no CPU on random masks.
    const ws = new WebSocket(wsUrl, { perMessageDeflate: false, generateMask: (mask: Buffer) => void mask.fill(0) });
    const acks = new Map<number, (body: { ok?: boolean }) => void>();
    const timer = setTimeout(() => {
      ws.terminate();
      reject(new Error('connect timeout'));
    }, timeoutMs);
    const socket: RawSocket = {
      emit(ackId, frameTail, onAck) {
        acks.set(ackId, onAck);
        ws.send(`42${ackId}${frameTail}`);
      },
      close: () => ws.close()
    };
    ws.on('message', (raw) => {
      const text = raw.toString();
      const type = text[0];
      if (type === '2') ws.send('3');
      else if (type === '0') ws.send(`40${JSON.stringify({ token })}`);
      else if (type === '4') {
        const packet = text[1];
        if (packet === '0') {
          clearTimeout(timer);
          resolve(socket);
        } else if (packet === '4') {
          clearTimeout(timer);
          ws.close();
          reject(new Error(`connect_error ${text.slice(2)}`));
        } else if (packet === '3') {
          const bracket = text.indexOf('[');
          const ackId = Number(text.slice(2, bracket));
          const done = acks.get(ackId);
          if (done) {
            acks.delete(ackId);
            done((JSON.parse(text.slice(bracket)) as Array<{ ok?: boolean }>)[0] ?? {});
          }
        }
      }
    });
    ws.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
  });
}
