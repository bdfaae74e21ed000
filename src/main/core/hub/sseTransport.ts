import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { canSubscribe, canonicalRoom, deviceEndpointRooms, homeRooms, hospitalEndpointRooms, patientEndpointRooms, rooms } from '../../../shared/rooms';
import { isDispatchRole, type Identity } from '../../../shared/roles';
import { AppError } from '../errors';
import { bearerToken, type RouteRequest, type Router } from '../http/route';
import type { ConnectionAdmission } from './connectionAdmission';
import type { Hub } from './hub';
import { fullBucket } from './rateLimit';
import type { HubConn } from './registry';
import type { RoomMessage } from './roomHistory';
import { createResumeGate, missedFor } from './resumeGate';

const MAX_BUFFERED_BYTES = 8 * 1024 * 1024;
/** EventSource's reconnection delay (the stream's `retry:` line). */
const RESTART_RETRY_MS = 1000;
const OPERATOR_ROOMS = [rooms.systemAlerts, rooms.dispatch];

const SseQuerySchema = z.object({
  token: z.string().max(8192).optional(),
  /** Extra rooms (comma separated, either naming scheme), for the global endpoint. */
  rooms: z.string().max(4000).optional(),
  /** Resume offset for clients that cannot set the Last-Event-ID header. */
  last_event_id: z.coerce.number().int().nonnegative().optional()
});

const id = z.string().min(1).max(128);

/**
 * Server-Sent Events on `/realtime/events...` (the device-stream protocol): a Bearer token (or
 * `token` query parameter, since EventSource cannot send headers), event names
 * from the seed's catalogue, `id:` lines carrying the hub's message ids so a
 * reconnect with `Last-Event-ID` replays what it missed from the room history.
 */
export function attachSse(hub: Hub, router: Router, admission: ConnectionAdmission): () => Promise<void> {
  /** Open streams, each with the way to end it that resolves once its last bytes are out. */
  const open = new Map<HubConn, () => Promise<void>>();

  async function stream(req: RouteRequest<z.output<typeof SseQuerySchema>, unknown, unknown>, roomsFor: (identity: Identity) => string[]) {
    const admitted = await admission.admit('sse', req.raw.raw, bearerToken(req.raw) ?? req.query.token);
    if (admitted.refusal) throw new AppError(admitted.refusal.code, admitted.refusal.message);
    const { ip, userAgent, identity, token } = admitted;
    const wanted = [...roomsFor(identity)];
    for (const extra of (req.query.rooms ?? '').split(',').map((r) => r.trim()).filter(Boolean)) {
      const canonical = canonicalRoom(extra);
      if (!canonical) throw new AppError('VALIDATION_FAILED', `"${extra.slice(0, 80)}" is not a known room name.`);
      wanted.push(canonical);
    }
    for (const room of wanted) {
      const decision = canSubscribe(identity, room, hub.accessFacts);
      if (!decision.allowed) {
        hub.refused('sse', 'FORBIDDEN', decision.reason, { ip, userAgent });
        throw new AppError('FORBIDDEN', decision.reason);
      }
    }
    const headerId = Number(req.raw.headers['last-event-id']);
    const resumeFrom = Number.isInteger(headerId) && headerId >= 0 ? headerId : req.query.last_event_id;

    const reply = req.reply;
    reply.hijack();
    const res = reply.raw;
    res.writeHead(200, {
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-cache, no-transform',
      Connection: 'keep-alive',
      'X-Accel-Buffering': 'no'
    });
    const write = (text: string) => {
      if (res.writableEnded) return;
      if (res.writableLength > MAX_BUFFERED_BYTES) {
        // Cut, not ended: a reader that stopped reading never takes the end either, and the
        // response would hold its buffer (and its place in the rooms) for as long as the TCP
        // connection lives. The client's EventSource reconnects and resumes from its last id.
        res.destroy();
        return;
      }
      res.write(text);
    };
    const end = () => new Promise<void>((resolve) => (res.writableFinished ? resolve() : res.end(resolve)));
    const frame = (m: RoomMessage) =>
      `id: ${m.id}\nevent: ${m.event}\ndata: ${JSON.stringify({ type: m.event, room: m.room, data: m.data, timestamp: m.timestamp })}\n\n`;
    const now = Date.now();
    const gate = createResumeGate((m) => write(frame(m)), resumeFrom);
    const conn: HubConn = {
      id: `sse_${randomUUID()}`,
      transport: 'sse',
      identity,
      token,
      rooms: new Set(),
      connectedAt: now,
      lastSeen: now,
      ip,
      userAgent,
      messagesIn: 0,
      messagesOut: 0,
      bucket: fullBucket(hub.config, now),
      violations: 0,
      deliver: gate.deliver,
      direct: (event, data) => write(`event: ${event}\ndata: ${JSON.stringify({ type: event, room: null, data, timestamp: new Date().toISOString() })}\n\n`),
      close: () => void end()
    };
    write(`retry: ${RESTART_RETRY_MS}\n\n`);
    // Subscribed before the missed messages are read: the gate holds what arrives meanwhile.
    for (const room of wanted) hub.join(conn, room);
    open.set(conn, end);
    hub.connected(conn, { rooms: wanted, resumed_from: resumeFrom ?? null });
    const keepAlive = setInterval(() => write(`: keep-alive ${Date.now()}\n\n`), 15_000);
    keepAlive.unref();
    const done = () => {
      clearInterval(keepAlive);
      open.delete(conn);
      hub.disconnected(conn, 'sse closed');
    };
    res.on('close', done);
    res.on('error', done);
    let missed: RoomMessage[];
    try {
      missed = await missedFor(hub, 'sse', wanted, resumeFrom);
    } catch (err) {
      // EventSource reconnects after `retry:` with the same Last-Event-ID.
      hub.logger.warn({ err, conn: conn.id }, 'sse resume: the missed messages could not be read');
      void end();
      return '';
    }
    write(`event: connected\ndata: ${JSON.stringify({ connection_id: conn.id, rooms: wanted, last_id: hub.history.lastId(), replayed: missed.length })}\n\n`);
    gate.release(missed);
    return '';
  }

  const common = {
    method: 'GET' as const,
    tags: ['realtime'],
    auth: 'public' as const, // the stream authenticates itself (header or query token) and logs refusals
    query: SseQuerySchema,
    response: z.string().describe('text/event-stream'),
    errors: [400, 401, 403]
  };
  router.route({
    ...common,
    url: '/realtime/events',
    summary: 'SSE: your own rooms (operators: system alerts and dispatch), plus ?rooms=a,b.',
    handler: (req) => stream(req, (who) => (isDispatchRole(who.role) ? [...OPERATOR_ROOMS, ...(who.role === 'admin' ? [rooms.adminUpdates] : [])] : homeRooms(who)))
  });
  router.route({
    ...common,
    url: '/realtime/events/patient/:patient_id',
    summary: "SSE: a patient's general, vitals and alert rooms.",
    params: z.object({ patient_id: id }),
    handler: (req) => stream(req, () => patientEndpointRooms(req.params.patient_id))
  });
  router.route({
    ...common,
    url: '/realtime/events/hospital/:hospital_id',
    summary: "SSE: a hospital's general, alert and device rooms.",
    params: z.object({ hospital_id: id }),
    handler: (req) => stream(req, () => hospitalEndpointRooms(req.params.hospital_id))
  });
  router.route({
    ...common,
    url: '/realtime/events/device/:device_type/:device_id',
    summary: "SSE: a device's data and status rooms.",
    params: z.object({ device_type: id, device_id: id }),
    handler: (req) => stream(req, () => deviceEndpointRooms(req.params.device_type, req.params.device_id))
  });

  // A restart ends each stream (after hub.restarting, sent by the drain): EventSource reconnects
  // after `retry:` and sends Last-Event-ID, which the next process's history answers (its ids continue upwards).
  // Waits (briefly) for each stream's last bytes to leave: the HTTP server destroys what is still
  // open right after, and a client reading slowly would lose the tail of what it was sent.
  return async () => {
    const flushed = [...open.values()].map((end) => end());
    open.clear();
    const giveUp = new Promise<void>((resolve) => setTimeout(resolve, 1_000).unref());
    await Promise.race([Promise.all(flushed), giveUp]);
  };
}
