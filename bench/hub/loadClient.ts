/**
 * Load generator, run in its own process (forked by hub.bench.ts) so client
 * work does not share the server's event loop. Driven over IPC:
 *   connect   {url, tokens, batch}          -> {connected, ms, failed}
 *   connectRaw {url, tokens, batch}         -> same, with wire-protocol clients (rawClient.ts) for the ladder
 *   ladder    {event, payload, rate, ms}     -> {offered, acked, errors, latencies summary}
 *   subscribe {room, token?}                 -> joins every connected client to a room
 *   fanout    {event, expect, timeoutMs}     -> waits for `expect` deliveries, returns latencies
 *   disconnect                               -> closes every client
 */
import { io, type Socket } from 'socket.io-client';
import { latencySummary } from '../lib/report';
import { connectRaw, encodeEvent, type RawSocket } from './rawClient';

let clients: Socket[] = [];
let rawClients: RawSocket[] = [];
let nextAckId = 1;
const nowMs = () => performance.timeOrigin + performance.now();

type Command =
  | { cmd: 'connect' | 'connectRaw'; url: string; tokens: string[]; batch: number }
  | { cmd: 'ladder'; event: string; payload: Record<string, unknown>; rate: number; ms: number }
  | { cmd: 'subscribe'; room: string }
  | { cmd: 'fanout'; event: string; expect: number; timeoutMs: number }
  | { cmd: 'disconnect' };

const reply = (body: unknown) => process.send?.(body);

async function connect(url: string, tokens: string[], batch: number) {
  const started = nowMs();
  let failed = 0;
  for (let i = 0; i < tokens.length; i += batch) {
    const slice = tokens.slice(i, i + batch);
    const sockets = await Promise.all(
      slice.map(
        (token) =>
          new Promise<Socket | null>((resolve) => {
            const socket = io(url, { transports: ['websocket'], auth: { token }, reconnection: false, forceNew: true, timeout: 20_000 });
            socket.once('connect', () => resolve(socket));
            socket.once('connect_error', () => {
              failed++;
              socket.close();
              resolve(null);
            });
          })
      )
    );
    for (const s of sockets) if (s) clients.push(s);
  }
  return { connected: clients.length, failed, ms: nowMs() - started };
}

async function connectRawClients(url: string, tokens: string[], batch: number) {
  const started = nowMs();
  let failed = 0;
  for (let i = 0; i < tokens.length; i += batch) {
    const sockets = await Promise.all(tokens.slice(i, i + batch).map((token) => connectRaw(url, token).catch(() => (failed++, null))));
    for (const s of sockets) if (s) rawClients.push(s);
  }
  return { connected: rawClients.length, failed, ms: nowMs() - started };
}

/** Open loop: sends at the offered rate regardless of acks (a closed loop would hide queueing). */
async function ladder(event: string, payload: Record<string, unknown>, rate: number, ms: number) {
  if (rawClients.length === 0 && clients.length === 0) throw new Error('no connected clients to send from (the connect step failed)');
  const latencies: number[] = [];
  let offered = 0;
  let acked = 0;
  let errors = 0;
  let outstanding = 0;
  const started = nowMs();
  let next = 0;
  const frameTail = encodeEvent(event, payload);
  const onAck = (sentAt: number) => (ack: { ok?: boolean }) => {
    outstanding--;
    if (ack && ack.ok) {
      acked++;
      latencies.push(nowMs() - sentAt);
    } else errors++;
  };
  await new Promise<void>((resolve) => {
    const tick = setInterval(() => {
      const elapsed = nowMs() - started;
      const due = Math.min(Math.floor((elapsed / 1000) * rate), Math.floor((ms / 1000) * rate));
      while (offered < due) {
        const sentAt = nowMs();
        offered++;
        outstanding++;
        if (rawClients.length > 0) rawClients[next++ % rawClients.length]!.emit(nextAckId++, frameTail, onAck(sentAt));
        else clients[next++ % clients.length]!.emit(event, payload, onAck(sentAt));
      }
      if (elapsed >= ms) {
        clearInterval(tick);
        resolve();
      }
    }, 1);
  });
  const sendDone = nowMs();
  while (outstanding > 0 && nowMs() - sendDone < 5000) await new Promise((r) => setTimeout(r, 10));
  const wall = (nowMs() - started) / 1000;
  return { offered, acked, errors, lost: outstanding, acked_per_sec: acked / wall, ...latencySummary(latencies) };
}

async function fanout(event: string, expect: number, timeoutMs: number) {
  const latencies: number[] = [];
  await new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, timeoutMs);
    for (const socket of clients) {
      socket.once(event, (data: { sent_at: number }) => {
        latencies.push(nowMs() - data.sent_at);
        if (latencies.length >= expect) {
          clearTimeout(timer);
          resolve();
        }
      });
    }
  });
  for (const socket of clients) socket.off(event);
  return { received: latencies.length, latencies };
}

process.on('message', async (message: Command) => {
  try {
    if (message.cmd === 'connect') reply(await connect(message.url, message.tokens, message.batch));
    else if (message.cmd === 'connectRaw') reply(await connectRawClients(message.url, message.tokens, message.batch));
    else if (message.cmd === 'ladder') reply(await ladder(message.event, message.payload, message.rate, message.ms));
    else if (message.cmd === 'subscribe') {
      const acks = await Promise.all(clients.map((s) => s.timeout(20_000).emitWithAck('join_room', { room: message.room }).catch(() => ({ ok: false }))));
      reply({ joined: acks.filter((a: { ok?: boolean }) => a && a.ok !== false).length });
    } else if (message.cmd === 'fanout') reply(await fanout(message.event, message.expect, message.timeoutMs));
    else if (message.cmd === 'disconnect') {
      clients.forEach((s) => s.close());
      rawClients.forEach((s) => s.close());
      clients = [];
      rawClients = [];
      reply({ closed: true });
    }
  } catch (err) {
    reply({ error: String(err) });
  }
});
reply({ ready: true });
