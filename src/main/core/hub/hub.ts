import type { Logger } from 'pino';
import type { Namespace, Socket } from 'socket.io';
import type { HubStats } from '../../../shared/contract/hub';
import { canSubscribe, canonicalRoom, type AccessFacts } from '../../../shared/rooms';
import type { EventBus } from '../contract/bus';
import type { NewSocketLog, SocketLogUpdate, SocketLogWriter } from '../log/types';
import type { HubConfig } from './hubConfig';
import type { MetricsRegistry } from '../metrics/registry';
import { createHubMetrics, type HubMetrics } from './metrics';
import { createConnectionRegistry, type ConnectionRegistry, type HubConn, type HubTransport } from './registry';
import { createRoomHistory, restartSafeFirstId, type RoomHistory, type RoomMessage } from './roomHistory';
import type { HubPublisher } from './types';
import { payloadBytes } from './payloadBytes';
import { createRefusalLog } from './refusalLog';
import { recoverableSessionIn } from './recoveryAdapter';
import { createRecentEventIds, type RecentEventIds } from './clientEventIds';
import { createDrainGate, type DrainGate } from './drain';
import { createFloodCooldowns, type FloodCooldowns } from './rateLimit';
import { isoNow } from '../clock';
import type { ClusterDirectory, LiveRelay, PublishedMessage } from './liveRelay';

export type { ClusterDirectory, LiveRelay, PublishedMessage } from './liveRelay';
import { createRepeatedErrorLog } from '../repeatedErrors';

/** Socket.IO clients that cannot take the recovery offset argument (see socketioTransport). */
export const LEGACY_CLIENTS_ROOM = '~legacy-clients';
const isInternalRoom = (room: string) => room.startsWith('~');

/**
 * With connection state recovery on, even `socket.emit` goes through the
 * adapter, which appends the offset; writing the packet directly does not.
 * (`packet` is internal to socket.io 4.8; pinned version, covered by the python interop test.)
 */
export function emitWithoutOffset(socket: Socket | undefined, event: string, data: unknown): void {
  (socket as unknown as { packet?(p: { type: number; data: unknown[] }, opts: object): void } | undefined)?.packet?.({ type: 2, data: [event, data] }, {});
}

export type RoomChange = { ok: true; room: string } | { ok: false; code: 'FORBIDDEN' | 'VALIDATION_FAILED' | 'NOT_FOUND' | 'RATE_LIMITED'; message: string };

export interface Hub extends HubPublisher {
  readonly config: HubConfig;
  readonly registry: ConnectionRegistry;
  readonly history: RoomHistory;
  readonly metrics: HubMetrics;
  readonly logger: Logger;
  readonly nsp: Namespace;
  /** Shutdown: stops taking events and tells when those taken are answered. */
  readonly gate: DrainGate;
  /** Identities disconnected for flooding, refused until their cool-down ends. */
  readonly floodCooldowns: FloodCooldowns;
  readonly recentEventIds: RecentEventIds;
  /** Facts the access rules need; the dispatch and ambulance services fill them in. */
  accessFacts: AccessFacts;
  publish(room: string, event: string, data: unknown, options?: { exceptConnId?: string }): PublishedMessage;
  /** Cluster mode: room messages cross nodes through this (set once at start); null on a single node. */
  relay: LiveRelay | null;
  /** Cluster mode: every node's connections, each with the node holding it (status endpoints read it); null on a single node. */
  directory: ClusterDirectory | null;
  /** A message read back from the relay: kept in the history and delivered to this node's WebSocket and SSE subscribers. */
  received(message: RoomMessage, except: string | undefined): void;
  /** What a resuming subscriber of these rooms missed after `since`: from memory, or from the relay when this node started later. */
  missedSince(rooms: Iterable<string>, since: number): RoomMessage[] | Promise<RoomMessage[]>;
  /** Writes a socket-log row and waits for its commit; id null when the log service is absent. */
  writeLog(entry: NewSocketLog): Promise<{ id: number | null; duplicate?: boolean }>;
  updateLog(id: number | null, update: SocketLogUpdate): Promise<void>;
  /** Log rows queued but not yet committed (admission control reads it). */
  pendingLogWrites(): number;
  /** How far the socket log is behind, ms: the age of its oldest unanswered write (admission control). */
  logLagMs(): number;
  /** Triage ids published so far (bounded, oldest forgotten first): only these triage rooms can be joined. */
  rememberTriage(id: string): void;
  /** Access-checked join of a room in either naming scheme. */
  join(conn: HubConn, requested: string): RoomChange;
  leave(conn: HubConn, requested: string): RoomChange;
  connected(conn: HubConn, details?: Record<string, unknown>): void;
  disconnected(conn: HubConn, reason: string): void;
  /** A refused connection (missing, forged, expired token...): logged and counted. */
  refused(transport: HubTransport, code: string, message: string, meta: { ip?: string | null; userAgent?: string | null }): void;
  /** Writes the refusals counted so far as one row per address (the window timer does it every minute). */
  flushRefusals(): void;
  /** Writes the refusals counted so far (aggregated per address and minute) and stops the window timer. */
  closeRefusals(): void;
  stats(): HubStats;
  /** Listeners for joins/leaves and (dis)connections (presence, watchdog). */
  onPresence(listener: (kind: 'connected' | 'disconnected' | 'joined' | 'left', conn: HubConn, room: string | null) => void): () => void;
}

export interface CreateHubOptions {
  config: HubConfig;
  nsp: Namespace;
  log: SocketLogWriter | undefined;
  logger: Logger;
  bus: EventBus;
  /** The core's registry: the hub registers its metrics there. */
  metrics: MetricsRegistry;
}

/**
 * The hub's shared state and the one fan-out path: a message published to a
 * room is recorded in the room's history, emitted to the room's Socket.IO
 * members and handed to its WebSocket and SSE subscribers.
 */
/** Past this many queued packets a member's backlog is measured; past the max it is cut off regardless. */
const SLOW_READER_PACKETS = 32;
const SLOW_READER_MAX_PACKETS = 10_000;

export function createHub(options: CreateHubOptions): Hub {
  const { config, nsp, log, logger } = options;
  const registry = createConnectionRegistry();
  const history = createRoomHistory(config.historyPerRoom, undefined, restartSafeFirstId());
  const metrics = createHubMetrics(options.metrics);
  const presence = new Set<(kind: 'connected' | 'disconnected' | 'joined' | 'left', conn: HubConn, room: string | null) => void>();
  const knownTriage = new Set<string>();
  let outTotal = 0;
  let pendingWrites = 0;
  let inTotalAtTick = 0;
  let outTotalAtTick = 0;
  let tickAt = Date.now();
  let rates = { in: 0, out: 0 };
  const refusals = createRefusalLog((row) => {
    hub.writeLog(row).catch((err: unknown) => logger.error({ err }, 'refused connection not logged'));
  });
  const relayFailures = createRepeatedErrorLog(logger, 'a room message could not be relayed through Redis: WebSocket and SSE subscribers miss it');
  if (!log) logger.error('socket log service is not running: hub events are acknowledged without a durable log row');

  const announce = (kind: 'connected' | 'disconnected' | 'joined' | 'left', conn: HubConn, room: string | null) => {
    for (const listener of presence) {
      try {
        listener(kind, conn, room);
      } catch (err) {
        logger.error({ err }, 'presence listener failed');
      }
    }
  };

  const slowBacklog = (sid: string, messageBytes: () => number): { queued: number; backlog: number } | null => {
    const engine = nsp.sockets.get(sid)?.conn as unknown as
      | { writeBuffer?: unknown[]; transport?: { socket?: { bufferedAmount?: number } } }
      | undefined;
    const queued = engine?.writeBuffer?.length ?? 0;
    const buffered = engine?.transport?.socket?.bufferedAmount ?? 0;
    if (queued < SLOW_READER_PACKETS && buffered < config.maxClientBufferBytes) return null;
    const backlog = buffered + queued * Math.max(messageBytes(), 64);
    return backlog < config.maxClientBufferBytes && queued < SLOW_READER_MAX_PACKETS ? null : { queued, backlog };
  };

  const cutOff = (sid: string, { queued, backlog }: { queued: number; backlog: number }) => {
    const conn = registry.get(sid);
    metrics.rejections.child('SLOW_CONSUMER').inc();
    logger.warn({ conn: sid, user: conn?.identity.sub, queued, backlog }, 'disconnecting a client that stopped reading');
    if (!conn) {
      nsp.sockets.get(sid)?.disconnect(true);
      return;
    }
    hub
      .writeLog({
        socketId: sid,
        userId: conn.identity.sub,
        userRole: conn.identity.role,
        eventType: 'slow_consumer_disconnect',
        eventData: { queued_packets: queued, backlog_bytes: backlog },
        status: 'failed',
        errorMessage: 'Disconnected: stopped reading (send buffer over budget).',
        processed: true
      })
      .catch((err: unknown) => logger.error({ err }, 'slow consumer disconnect not logged'));
    conn.close('slow consumer: send buffer over budget');
  };

  /**
   * One pass over a room's Socket.IO members before a fan-out: counts the message
   * for each recipient, and disconnects any member whose send queue is past the
   * budget (a client that stopped reading makes engine.io queue every packet in
   * memory; it can reconnect and ask for the room's history). The payload's size
   * is measured only when some member already has a backlog.
   */
  const deliverLocal = (message: RoomMessage, except: string | undefined) => {
    const local = registry.localSubscribers(message.room);
    if (!local) return;
    for (const conn of local) {
      if (conn.id === except || !conn.deliver) continue;
      conn.deliver(message);
      conn.messagesOut++;
      metrics.eventsOut.child(message.event, conn.transport).inc();
      outTotal++;
    }
  };

  /** A room message to this node's legacy Socket.IO clients in the room, each without the recovery offset. */
  const emitToLegacyMembers = (room: string, event: string, data: unknown, except: string | undefined) => {
    const legacy = nsp.adapter.rooms.get(LEGACY_CLIENTS_ROOM);
    const members = legacy && nsp.adapter.rooms.get(room);
    if (!members) return;
    for (const sid of members) if (sid !== except && legacy.has(sid)) emitWithoutOffset(nsp.sockets.get(sid), event, data);
  };

  const relayed = (relay: LiveRelay, room: string, event: string, data: unknown, except: string | undefined): PublishedMessage => {
    const message: PublishedMessage = { id: 0, room, event, data, timestamp: isoNow() };
    message.assigned = relay.publish(room, event, data, message.timestamp, except).then(
      (id) => void (message.id = id),
      (err: unknown) => {
        metrics.relayFailures.child().inc();
        relayFailures.report(err);
      }
    );
    return message;
  };

  const prepareRecipients = (members: Set<string>, except: string | undefined, data: unknown) => {
    let bytes = -1;
    const messageBytes = () => (bytes < 0 ? (bytes = payloadBytes(data)) : bytes);
    for (const sid of members) {
      if (sid === except) continue;
      const slow = slowBacklog(sid, messageBytes);
      if (slow) cutOff(sid, slow);
      else {
        const conn = registry.get(sid);
        if (conn) conn.messagesOut++;
      }
    }
  };

  const hub: Hub = {
    config,
    registry,
    history,
    metrics,
    logger,
    nsp,
    gate: createDrainGate(),
    floodCooldowns: createFloodCooldowns(config.floodCooldownSeconds * 1000),
    recentEventIds: createRecentEventIds(config.recentEventIds),
    accessFacts: { incidentsOfUnit: () => [], isPatientRoutedTo: () => false },
    relay: null,
    directory: null,
    publish(room, event, data, publishOptions = {}) {
      const relay = hub.relay;
      const message = relay ? relayed(relay, room, event, data, publishOptions.exceptConnId) : history.append(room, event, data);
      const members = nsp.adapter.rooms.get(room);
      const except = publishOptions.exceptConnId;
      const recipients = members ? (except && members.has(except) ? members.size - 1 : members.size) : 0;
      // Skipping rooms nobody is in keeps the recovery buffer (which stores every
      // broadcast for minutes) free of traffic nobody listens to; but a session that
      // was in this room and may still recover is waiting for it.
      if (recipients > 0 && members) prepareRecipients(members, except, data);
      if (recipients > 0 || recoverableSessionIn(nsp, room)) {
        // Recovery appends an offset argument to broadcasts, which breaks clients whose handlers take
        // exactly one argument (the room-alert protocol's python-socketio): they get the message one by
        // one instead. In a cluster, other nodes' legacy clients are not known here: the broadcast skips
        // them on every node, and each node hands them the message it reads back from the relay (received).
        const withoutLegacy = relay !== null || nsp.adapter.rooms.has(LEGACY_CLIENTS_ROOM);
        if (!relay) emitToLegacyMembers(room, event, data, except);
        if (withoutLegacy) nsp.to(room).except(except ? [except, LEGACY_CLIENTS_ROOM] : LEGACY_CLIENTS_ROOM).emit(event, data);
        else (except ? nsp.to(room).except(except) : nsp.to(room)).emit(event, data);
        if (recipients > 0) metrics.eventsOut.child(event, 'socketio').inc(recipients);
        outTotal += recipients;
      }
      if (!relay) deliverLocal(message, publishOptions.exceptConnId);
      return message;
    },
    received(message, except) {
      history.record(message);
      deliverLocal(message, except);
      emitToLegacyMembers(message.room, message.event, message.data, except);
    },
    missedSince(roomNames, since) {
      const relay = hub.relay;
      if (relay && since < relay.startedAfter) return relay.since(roomNames, since);
      return history.sinceAcross(roomNames, since);
    },
    async writeLog(entry) {
      if (!log) return { id: null };
      const started = performance.now();
      pendingWrites++;
      try {
        const written = await log.createSocketLog(entry);
        metrics.logCommitLatency.record((performance.now() - started) / 1000);
        return written;
      } finally {
        pendingWrites--;
      }
    },
    pendingLogWrites: () => pendingWrites,
    logLagMs: () => log?.lagMs?.() ?? 0,
    async updateLog(id, update) {
      if (!log || id === null) return;
      const started = performance.now();
      await log.updateSocketLog(id, update);
      metrics.logCommitLatency.record((performance.now() - started) / 1000);
    },
    rememberTriage(id) {
      knownTriage.delete(id);
      knownTriage.add(id);
      if (knownTriage.size > config.maxKnownTriageIds) knownTriage.delete(knownTriage.values().next().value!);
    },
    join(conn, requested) {
      const room = canonicalRoom(requested);
      if (!room) return { ok: false, code: 'VALIDATION_FAILED', message: `"${String(requested).slice(0, 80)}" is not a known room name.` };
      const decision = canSubscribe(conn.identity, room, hub.accessFacts);
      if (!decision.allowed) return { ok: false, code: 'FORBIDDEN', message: decision.reason };
      if (room.startsWith('triage:') && !knownTriage.has(room.slice(7))) {
        return { ok: false, code: 'NOT_FOUND', message: `No triage ${room.slice(7, 87)} has been published; join triage_queue to hear of new ones.` };
      }
      if (!conn.rooms.has(room) && conn.rooms.size >= config.maxRoomsPerConnection) {
        return { ok: false, code: 'RATE_LIMITED', message: `A connection may be in at most ${config.maxRoomsPerConnection} rooms: leave one before joining another.` };
      }
      if (!conn.rooms.has(room)) {
        if (conn.transport === 'socketio') {
          void nsp.sockets.get(conn.id)?.join(room);
          conn.rooms.add(room);
        } else registry.subscribe(conn, room);
        announce('joined', conn, room);
      }
      return { ok: true, room };
    },
    leave(conn, requested) {
      const room = canonicalRoom(requested);
      if (!room) return { ok: false, code: 'VALIDATION_FAILED', message: `"${String(requested).slice(0, 80)}" is not a known room name.` };
      if (conn.rooms.has(room)) {
        if (conn.transport === 'socketio') {
          void nsp.sockets.get(conn.id)?.leave(room);
          conn.rooms.delete(room);
        } else registry.unsubscribe(conn, room);
        announce('left', conn, room);
      }
      return { ok: true, room };
    },
    connected(conn, details = {}) {
      registry.add(conn);
      announce('connected', conn, null);
      hub
        .writeLog({
          eventType: 'connect',
          socketId: conn.id,
          userId: conn.identity.sub,
          userRole: conn.identity.role,
          // The unit a crew login reports for: the replay maps its location rows to the unit by it.
          eventData: { transport: conn.transport, rooms: [...conn.rooms], ...details, ...(conn.identity.unit_id ? { unit_id: conn.identity.unit_id } : {}) },
          status: 'success',
          processed: true,
          ipAddress: conn.ip,
          userAgent: conn.userAgent
        })
        .catch((err: unknown) => logger.error({ err, conn: conn.id }, 'connect not logged'));
    },
    disconnected(conn, reason) {
      if (!registry.remove(conn.id)) return;
      announce('disconnected', conn, null);
      const sessionSeconds = Math.round((Date.now() - conn.connectedAt) / 1000);
      hub
        .writeLog({
          eventType: 'disconnect',
          socketId: conn.id,
          userId: conn.identity.sub,
          userRole: conn.identity.role,
          eventData: { transport: conn.transport, reason, messages_in: conn.messagesIn, messages_out: conn.messagesOut },
          status: 'success',
          processed: true,
          ipAddress: conn.ip,
          userAgent: conn.userAgent,
          sessionDuration: sessionSeconds
        })
        .catch((err: unknown) => logger.error({ err, conn: conn.id }, 'disconnect not logged'));
    },
    refused(transport, code, message, meta) {
      metrics.connectionsRefused.child(code, transport).inc();
      logger.warn({ transport, code, ip: meta.ip }, `hub connection refused: ${message}`);
      refusals.refused(transport, code, message, meta);
    },
    flushRefusals: () => refusals.flush(),
    closeRefusals() {
      refusals.close();
      relayFailures.close();
    },
    stats() {
      const now = Date.now();
      const inTotal = metrics.eventsIn.total();
      if (now - tickAt >= 500) {
        const seconds = (now - tickAt) / 1000;
        rates = { in: (inTotal - inTotalAtTick) / seconds, out: (outTotal - outTotalAtTick) / seconds };
        inTotalAtTick = inTotal;
        outTotalAtTick = outTotal;
        tickAt = now;
      }
      const byTransport: Record<string, number> = {};
      const byRole: Record<string, number> = {};
      for (const conn of registry.all()) {
        byTransport[conn.transport] = (byTransport[conn.transport] ?? 0) + 1;
        byRole[conn.identity.role] = (byRole[conn.identity.role] ?? 0) + 1;
      }
      const roomNames = new Set<string>(registry.localRoomNames());
      for (const [room, members] of nsp.adapter.rooms) if (!members.has(room) && !isInternalRoom(room)) roomNames.add(room);
      return {
        at: new Date(now).toISOString(),
        connections: registry.size(),
        by_transport: byTransport,
        by_role: byRole,
        rooms: roomNames.size,
        events_in_per_sec: Math.round(rates.in * 10) / 10,
        events_out_per_sec: Math.round(rates.out * 10) / 10,
        events_in_total: inTotal,
        events_out_total: outTotal
      };
    },
    onPresence(listener) {
      presence.add(listener);
      return () => presence.delete(listener);
    }
  };
  return hub;
}

/** Socket.IO puts every socket in a room named after its id; these are not hub rooms. */
export function hubRoomCounts(hub: Hub): Map<string, number> {
  const counts = new Map<string, number>();
  for (const [room, members] of hub.nsp.adapter.rooms) if (!members.has(room) && !isInternalRoom(room)) counts.set(room, members.size);
  for (const room of hub.registry.localRoomNames()) counts.set(room, (counts.get(room) ?? 0) + (hub.registry.localSubscribers(room)?.size ?? 0));
  return counts;
}
