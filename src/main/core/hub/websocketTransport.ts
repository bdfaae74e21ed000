import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type RawData, type WebSocket } from 'ws';
import { wsMessageType } from '../../../shared/hubEvents';
import { canSubscribe, homeRooms, hospitalEndpointRooms, patientEndpointRooms } from '../../../shared/rooms';
import type { Identity } from '../../../shared/roles';
import { CROSS_ORIGIN_MESSAGE, originAllowed } from '../http/origin';
import type { EventProcessor } from './events';
import type { Hub } from './hub';
import { fullBucket } from './rateLimit';
import type { ConnectionAdmission } from './connectionAdmission';
import type { HubConn } from './registry';
import type { RoomMessage } from './roomHistory';
import { createResumeGate, missedFor } from './resumeGate';

/** A slow reader gets this much queued before it is cut off (it can resume with `since`). */
const MAX_BUFFERED_BYTES = 8 * 1024 * 1024;

const STATUS_TEXT: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  503: 'Service Unavailable'
};

export function refuseUpgrade(socket: Duplex, status: number, code: string, message: string, retryAfterMs?: number) {
  if (socket.destroyed || !socket.writable) return void socket.destroy();
  const body = JSON.stringify({ error: { code, message, ...(retryAfterMs !== undefined ? { retry_after_ms: retryAfterMs } : {}) } });
  const retry = retryAfterMs !== undefined ? `Retry-After: ${Math.ceil(retryAfterMs / 1000)}\r\n` : '';
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_TEXT[status] ?? 'Error'}\r\nContent-Type: application/json\r\n${retry}Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`
  );
}

/** Close codes (docs/hub-protocol.md): 1012 "service restart" means reconnect; 1008 "policy violation" means refused. */
export const WS_CLOSE_RESTART = 1012;
export const WS_CLOSE_REFUSED = 1008;

/** A path segment's id, or null when its percent-encoding is malformed (`%E0%A4%A`). */
function decodeSegment(segment: string): string | null {
  try {
    return decodeURIComponent(segment);
  } catch {
    return null;
  }
}

/** Which rooms an endpoint subscribes to on its own (the device-stream protocol); null for an unknown path, 'malformed' for a bad id. */
function endpointRooms(pathname: string, identity: Identity): string[] | null | 'malformed' {
  if (pathname === '/realtime/ws') return homeRooms(identity);
  const patient = /^\/realtime\/ws\/patient\/([^/]+)$/.exec(pathname);
  const hospital = patient ? null : /^\/realtime\/ws\/hospital\/([^/]+)$/.exec(pathname);
  const match = patient ?? hospital;
  if (!match) return null;
  const id = decodeSegment(match[1]!);
  if (id === null) return 'malformed';
  return patient ? patientEndpointRooms(id) : hospitalEndpointRooms(id);
}

/** Parses an upgrade's URL; null when it cannot be parsed at all. */
function upgradeUrl(req: IncomingMessage): URL | null {
  try {
    return new URL(req.url ?? '/', 'http://localhost');
  } catch {
    return null;
  }
}

export const envelope = (m: RoomMessage) => ({ type: wsMessageType(m.event), event: m.event, room: m.room, data: m.data, timestamp: m.timestamp, id: m.id });

/**
 * The device-stream protocol's plain WebSocket messages on `/realtime/ws...` (same port as REST):
 * JSON messages `{type: 'subscribe'|'unsubscribe'|'ping', room}` plus every hub
 * client event as `{type: <event>, data, id}`; server messages carry `type`,
 * `room`, `data`, `timestamp` (and `id`, the resume offset).
 */
export function attachWebSocket(
  hub: Hub,
  server: import('node:http').Server,
  admission: ConnectionAdmission,
  process: EventProcessor,
  allowedOrigins: readonly string[] = []
): () => Promise<void> {
  const { config, logger } = hub;
  // ws closes oversized frames itself; well above our limit so normal oversize gets a clear error instead.
  const wss = new WebSocketServer({ noServer: true, maxPayload: Math.max(config.maxPayloadBytes * 4, 1024 * 1024), perMessageDeflate: false });

  const onUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on('error', () => undefined);
    try {
      upgrade(req, socket, head);
    } catch (err) {
      // Whatever a request carries, it may cost the client its upgrade, never the process.
      logger.warn({ err, url: String(req.url).slice(0, 200) }, 'websocket upgrade failed');
      refuseUpgrade(socket, 400, 'VALIDATION_FAILED', 'Malformed WebSocket upgrade request.');
    }
  };

  const upgrade = (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const url = upgradeUrl(req);
    if (!url) {
      if ((req.url ?? '').startsWith('/realtime/ws')) refuseUpgrade(socket, 400, 'VALIDATION_FAILED', 'Malformed URL in the WebSocket upgrade.');
      return;
    }
    if (!url.pathname.startsWith('/realtime/ws')) return; // engine.io and others handle their own paths
    if (!originAllowed(req, allowedOrigins)) {
      hub.refused('websocket', 'FORBIDDEN', CROSS_ORIGIN_MESSAGE, { ip: admission.addressOf(req), userAgent: null });
      return refuseUpgrade(socket, 403, 'FORBIDDEN', CROSS_ORIGIN_MESSAGE);
    }
    const header = req.headers.authorization;
    const token = url.searchParams.get('token') ?? (typeof header === 'string' && header.startsWith('Bearer ') ? header.slice(7) : undefined);
    socket.on('error', () => undefined);
    if (hub.gate.draining) return refuseUpgrade(socket, 503, 'RESTARTING', 'The hub is restarting; connect again in a moment.', 1000);
    admission.admit('websocket', req, token, { takesEvents: true }).then(
      (admitted) => {
        const { ip, userAgent, refusal } = admitted;
        if (refusal) return refuseUpgrade(socket, refusal.status, refusal.code, refusal.message, refusal.retryAfterMs);
        const { identity, token: claims } = admitted;
        const auto = endpointRooms(url.pathname, identity);
        if (auto === 'malformed') return refuseUpgrade(socket, 400, 'VALIDATION_FAILED', 'Malformed URL: invalid percent-encoding in the endpoint id.');
        if (!auto) return refuseUpgrade(socket, 404, 'NOT_FOUND', `No WebSocket endpoint at ${url.pathname}.`);
        for (const room of auto) {
          const decision = canSubscribe(identity, room, hub.accessFacts);
          if (!decision.allowed) {
            hub.refused('websocket', 'FORBIDDEN', decision.reason, { ip, userAgent });
            return refuseUpgrade(socket, 403, 'FORBIDDEN', decision.reason);
          }
        }
        const since = Number(url.searchParams.get('since') ?? NaN);
        wss.handleUpgrade(req, socket, head, (ws) => accept(ws, identity, claims, auto, { ip, userAgent, since: Number.isInteger(since) ? since : undefined }));
      }
    ).catch((err: unknown) => {
      logger.error({ err, url: url.pathname.slice(0, 200) }, 'websocket upgrade failed after authentication');
      refuseUpgrade(socket, 500, 'INTERNAL', 'Internal error; it has been logged.');
    });
  };
  server.on('upgrade', onUpgrade);

  function accept(ws: WebSocket, identity: Identity, token: HubConn['token'], auto: string[], meta: { ip: string | null; userAgent: string | null; since?: number }) {
    const now = Date.now();
    const send = (body: unknown) => {
      if (ws.readyState !== ws.OPEN) return;
      if (ws.bufferedAmount > MAX_BUFFERED_BYTES) {
        ws.close(1013, 'Too slow: reconnect with since=<last id> to resume.');
        return;
      }
      ws.send(JSON.stringify(body));
    };
    const gate = createResumeGate((message) => send(envelope(message)), meta.since);
    const conn: HubConn = {
      id: `ws_${randomUUID()}`,
      transport: 'websocket',
      identity,
      token,
      rooms: new Set(),
      connectedAt: now,
      lastSeen: now,
      ip: meta.ip,
      userAgent: meta.userAgent,
      messagesIn: 0,
      messagesOut: 0,
      bucket: fullBucket(config, now),
      violations: 0,
      deliver: gate.deliver,
      direct: (event, data) => send({ type: wsMessageType(event), event, room: null, data, timestamp: new Date().toISOString() }),
      close: (reason) => ws.close(WS_CLOSE_REFUSED, reason.slice(0, 120))
    };
    for (const room of auto) hub.join(conn, room);
    hub.connected(conn, { endpoint: auto });
    send({ type: 'connected', connection_id: conn.id, rooms: [...conn.rooms], last_id: hub.history.lastId(), timestamp: new Date().toISOString() });
    const missed = missedFor(hub, 'websocket', conn.rooms, meta.since);
    if (Array.isArray(missed)) gate.release(missed);
    else {
      missed.then(gate.release, (err: unknown) => {
        logger.warn({ err, conn: conn.id }, 'websocket resume: the missed messages could not be read');
        ws.close(WS_CLOSE_RESTART, 'resume unavailable: reconnect with since=<last id>');
      });
    }

    let alive = true;
    ws.on('pong', () => (alive = true));
    const heartbeat = setInterval(() => {
      if (!alive) return ws.terminate();
      alive = false;
      ws.ping();
    }, 25_000);
    heartbeat.unref();

    ws.on('message', (raw: RawData, isBinary: boolean) => {
      const bytes = Array.isArray(raw) ? raw.reduce((n, b) => n + b.length, 0) : (raw as Buffer).byteLength;
      type WsMessage = { type?: unknown; room?: unknown; data?: unknown; id?: unknown; since?: unknown };
      let message: WsMessage | null = null;
      if (!isBinary && bytes <= config.maxPayloadBytes) {
        try {
          const parsed: unknown = JSON.parse(raw.toString());
          message = parsed && typeof parsed === 'object' && !Array.isArray(parsed) ? (parsed as WsMessage) : null;
        } catch {
          message = null;
        }
      }
      const ref = message && (typeof message.id === 'string' || typeof message.id === 'number') ? message.id : null;
      const type = message?.type;
      // The device-stream protocol's room messages carry the room at the top level; other events carry `data`.
      const isRoomMessage = type === 'subscribe' || type === 'unsubscribe' || type === 'room_history';
      const payload = isRoomMessage ? { room: message?.room, ...(message?.since !== undefined ? { since: message.since } : {}) } : type === 'ping' ? (message?.data ?? {}) : message?.data;
      const eventName = message ? type : bytes > config.maxPayloadBytes ? 'oversized_message' : 'malformed_message';
      void process(conn, eventName, message ? payload : undefined, message ? undefined : bytes).then((ack) => {
        if (!message && ack.ok === false && ack.error.code === 'UNKNOWN_EVENT') {
          ack = { ok: false, error: { code: 'VALIDATION_FAILED', message: 'Messages must be JSON objects like {"type":"subscribe","room":"..."}.' } };
        }
        if (type === 'ping' && ack.ok) return send({ type: 'pong', ref, id: ack.id, timestamp: new Date().toISOString() });
        if (isRoomMessage && ack.ok) return send({ type: type === 'room_history' ? 'history' : 'subscription', action: type, status: type === 'subscribe' ? 'subscribed' : type === 'unsubscribe' ? 'unsubscribed' : 'ok', ref, ...ack });
        if (!ack.ok) return send({ type: 'error', ref, event: typeof type === 'string' ? type : null, ...ack });
        send({ type: 'ack', ref, event: type, ...ack });
      });
    });
    ws.on('close', () => {
      clearInterval(heartbeat);
      hub.disconnected(conn, 'websocket closed');
    });
    ws.on('error', (err) => logger.warn({ err, conn: conn.id }, 'websocket error'));
  }

  // Closing for a restart: 1012 tells clients to reconnect (and resume with since=<last id>).
  // ws sends the close frame after what is already queued, so answers given during the drain arrive first.
  return async () => {
    server.off('upgrade', onUpgrade);
    const closed = [...wss.clients].map((client) => new Promise<void>((resolve) => {
      client.once('close', () => resolve());
      client.close(WS_CLOSE_RESTART, 'service restart: reconnect with since=<last id>');
    }));
    const giveUp = new Promise<void>((resolve) => setTimeout(resolve, 2_000).unref());
    await Promise.race([Promise.all(closed), giveUp]);
    for (const client of wss.clients) client.terminate();
    await new Promise<void>((resolve) => wss.close(() => resolve()));
  };
}
