import type { Socket } from 'socket.io';
import { homeRooms } from '../../../shared/rooms';
import type { Identity } from '../../../shared/roles';
import { retireRecoverableSessions, singleDeviceOwner } from './recoveryAdapter';
import type { EventProcessor } from './events';
import { emitWithoutOffset, LEGACY_CLIENTS_ROOM, type Hub } from './hub';
import { recheckRooms } from './accessRecheck';
import type { ConnectionAdmission } from './connectionAdmission';
import { fullBucket } from './rateLimit';
import type { HubConn } from './registry';

interface HubSocketData {
  identity?: Identity;
  token?: HubConn['token'];
  /** The client's address (forwarded, behind a trusted proxy) and user agent, from the handshake. */
  ip?: string | null;
  userAgent?: string | null;
}

const firstString = (v: unknown): string | undefined => (Array.isArray(v) ? firstString(v[0]) : typeof v === 'string' && v ? v : undefined);

/**
 * Clients connecting the way the room-alert protocol shows (`?user_id=...&user_role=...`), or
 * asking with `recovery=false` (auth or query), get events without the
 * connection-state-recovery offset argument that Socket.IO appends to room
 * broadcasts: python-socketio 5 passes it to one-argument handlers and fails.
 */
function isLegacyClient(socket: Socket): boolean {
  const query = socket.handshake.query;
  const auth = socket.handshake.auth as { recovery?: unknown } | undefined;
  return query.user_role !== undefined || query.user_id !== undefined || auth?.recovery === false || query.recovery === 'false';
}

/**
 * Field clients on the default namespace: the JWT in `auth.token` (or the
 * `token` query parameter, as the room-alert protocol's Python client sends it) is verified at
 * the handshake; a refusal is a `connect_error` whose message says which check
 * failed. Every event then goes through the hub's one processor and is acked.
 */
export function attachSocketIo(hub: Hub, admission: ConnectionAdmission, process: EventProcessor): void {
  const { nsp, config, logger } = hub;

  nsp.use(async (socket, next) => {
    const token = firstString((socket.handshake.auth as { token?: unknown } | undefined)?.token) ?? firstString(socket.handshake.query.token);
    const admitted = await admission.admit('socketio', socket.request, token, { takesEvents: true });
    const data = socket.data as HubSocketData;
    data.ip = admitted.ip;
    data.userAgent = admitted.userAgent;
    if (admitted.refusal === undefined) {
      data.identity = admitted.identity;
      data.token = admitted.token;
      return next();
    }
    const { code, message, retryAfterMs } = admitted.refusal;
    const refusal = new Error(message) as Error & { data?: unknown };
    refusal.data = { code, message, ...(retryAfterMs !== undefined ? { retry_after_ms: retryAfterMs } : {}) };
    next(refusal);
  });

  nsp.on('connection', (socket) => {
    const { identity, token, ip, userAgent } = socket.data as HubSocketData;
    if (!identity || !token) {
      socket.disconnect(true);
      return;
    }
    const now = Date.now();
    const conn: HubConn = {
      id: socket.id,
      transport: 'socketio',
      identity,
      token,
      rooms: new Set(),
      connectedAt: now,
      lastSeen: now,
      ip: ip ?? null,
      userAgent: userAgent ?? null,
      messagesIn: 0,
      messagesOut: 0,
      bucket: fullBucket(config, now),
      violations: 0,
      direct: (event, data) => {
        if (socket.rooms.has(LEGACY_CLIENTS_ROOM)) emitWithoutOffset(socket, event, data);
        else socket.emit(event, data);
        conn.messagesOut++;
      },
      close: () => socket.disconnect(true),
      // Not through the adapter: a notice is not a room message to replay, and the recovery offset
      // it would append reaches one-argument handlers (python-socketio) as a second argument.
      notice: (event, data) => emitWithoutOffset(socket, event, data)
    };
    // A client that asks for recovery sends its session id and offset in the handshake.
    if (socket.recovered) hub.metrics.socketioRecovery.child('recovered').inc();
    else if (typeof (socket.handshake.auth as { pid?: unknown } | undefined)?.pid === 'string') hub.metrics.socketioRecovery.child('not_recovered').inc();
    // A recovered session (connection state recovery) comes back with its rooms.
    for (const room of socket.rooms) if (room !== socket.id && room !== LEGACY_CLIENTS_ROOM) conn.rooms.add(room);
    if (!socket.recovered && isLegacyClient(socket)) void socket.join(LEGACY_CLIENTS_ROOM);
    // A device that connects afresh has started over: its earlier sessions will not be
    // resumed, yet every broadcast to their rooms would be kept for them. Measured with
    // 1,000 crews reconnecting as new sessions at 7k events/s: 15-20% more CPU per event
    // and ack p99 134-290 ms, against 46-83 ms with the old sessions retired.
    const owner = socket.recovered ? null : singleDeviceOwner(socket.data);
    const retired = owner ? retireRecoverableSessions(nsp, owner) : 0;
    hub.connected(conn, retired > 0 ? { recovered: false, retired_sessions: retired } : { recovered: socket.recovered });
    // Rooms a recovered session brings back were allowed when it joined; the facts may have changed since.
    if (socket.recovered) recheckRooms(hub, conn);
    if (!socket.recovered) for (const room of homeRooms(identity)) hub.join(conn, room);

    // The size of the text frame being handled: Socket.IO decodes a frame and calls onAny
    // within engine.io's "data" event, so a listener put first sees the frame of the event
    // handled next. A frame this small fits the payload limit whatever it holds (3 UTF-8 bytes
    // per UTF-16 unit at most, and no number re-serialises more than 6 times longer, as 1e20
    // does), so the processor need not serialise the payload again to measure it.
    let frameChars = -1;
    socket.conn.prependListener('data', (data: unknown) => {
      frameChars = typeof data === 'string' ? data.length : -1;
    });
    const fitsForSure = config.maxPayloadBytes / 6;
    socket.onAny((event: unknown, ...args: unknown[]) => {
      const last = args.at(-1);
      const ack = typeof last === 'function' ? (last as (body: unknown) => void) : undefined;
      const payload = ack ? (args.length > 1 ? args[0] : undefined) : args[0];
      const knownBytes = frameChars >= 0 && frameChars <= fitsForSure ? frameChars : undefined;
      frameChars = -1;
      process(conn, event, payload, knownBytes).then(
        (body) => ack?.(body),
        (err: unknown) => {
          logger.error({ err }, 'hub processor threw');
          ack?.({ ok: false, error: { code: 'INTERNAL', message: 'Internal error; it has been logged.' } });
        }
      );
    });

    socket.on('disconnect', (reason) => hub.disconnected(conn, reason));
  });
}
