import { createAdapter } from '@socket.io/redis-streams-adapter';
import type { Logger } from 'pino';
import type { Namespace, Server, Socket } from 'socket.io';
import { closeRestoreGap } from './restoreGap';

type RedisClient = Parameters<typeof createAdapter>[0];

/** What Socket.IO's adapter stores for a recoverable session. */
interface SessionToSave {
  sid: string;
  pid: string;
  rooms: string[];
  data: unknown;
}

type PersistingAdapter = { persistSession(session: SessionToSave): void };

export interface SessionSaver {
  /** Sessions saved since start (on connect, join, leave and refresh). */
  saved(): number;
  close(): void;
}

/**
 * Socket.IO across nodes: `@socket.io/redis-streams-adapter` carries room
 * broadcasts through one bounded Redis stream and supports connection-state
 * recovery, so a client that reconnects to another node gets what it missed.
 */
export function useRedisStreamsAdapter(io: Server, redis: RedisClient, options: { maxLen: number }): void {
  const base = createAdapter(redis, { streamName: 'switchboard:socket.io', maxLen: options.maxLen });
  // Socket.IO constructs the adapter with `new`: a function (not an arrow) that returns an object.
  function ClusterAdapter(nsp: Namespace) {
    const adapter = base(nsp);
    const gap = closeRestoreGap(adapter);
    nsp.on('connection', (socket: Socket) => gap.onConnected(socket));
    // The hub skips broadcasts to rooms with no local member and no local recoverable
    // session (recoveryAdapter.ts). Here a room's members may all be on other nodes, and
    // only Redis knows them: every broadcast goes out.
    return Object.assign(adapter, { hasRecoverableSession: () => true });
  }
  io.adapter(ClusterAdapter as unknown as Parameters<Server['adapter']>[0]);
}

/**
 * The adapter saves a session only when its socket disconnects, so after a kill -9
 * nothing was saved and every client of the dead node starts over, missing what
 * was broadcast meanwhile (socketio/socket.io-redis-streams-adapter#27). So live
 * sessions are saved eagerly: on connect, on every room join or leave, and all of
 * them every `refreshMs` (the saved session expires after the recovery window, so
 * the refresh keeps it alive while its socket is). A killed node's clients then
 * find their session in Redis and recover on whichever node they reach.
 */
export function saveSessionsEagerly(nsp: Namespace, refreshMs: number, logger: Logger): SessionSaver {
  let saved = 0;
  const pending = new Set<string>();
  let flushScheduled = false;
  const save = (socket: Socket) => {
    const pid = (socket as unknown as { pid?: string }).pid;
    if (!pid || !socket.connected) return;
    try {
      (nsp.adapter as unknown as PersistingAdapter).persistSession({ sid: socket.id, pid, rooms: [...socket.rooms], data: socket.data });
      saved += 1;
    } catch (err) {
      logger.warn({ err, sid: socket.id }, 'could not save a Socket.IO session to Redis');
    }
  };
  // Joins come in bursts (home rooms at connect): one save per socket per turn.
  const saveSoon = (sid: string) => {
    pending.add(sid);
    if (flushScheduled) return;
    flushScheduled = true;
    setImmediate(() => {
      flushScheduled = false;
      for (const id of pending) {
        const socket = nsp.sockets.get(id);
        if (socket) save(socket);
      }
      pending.clear();
    });
  };
  const onConnection = (socket: Socket) => saveSoon(socket.id);
  const onRoomChange = (room: string, sid: string) => {
    if (room !== sid) saveSoon(sid);
  };
  nsp.on('connection', onConnection);
  nsp.adapter.on('join-room', onRoomChange);
  nsp.adapter.on('leave-room', onRoomChange);
  const timer = setInterval(() => {
    for (const socket of nsp.sockets.values()) save(socket);
  }, refreshMs);
  timer.unref();
  return {
    saved: () => saved,
    close() {
      clearInterval(timer);
      nsp.off('connection', onConnection);
      nsp.adapter.off('join-room', onRoomChange);
      nsp.adapter.off('leave-room', onRoomChange);
    }
  };
}

/** The adapter's own behaviour (a session saved only at disconnect): the diagnostic control for the above. */
export function saveSessionsOnDisconnectOnly(logger: Logger): SessionSaver {
  logger.warn('Socket.IO sessions are saved only at disconnect (SWITCHBOARD_CLUSTER_EAGER_SESSIONS=0): clients of a killed node will not recover');
  return { saved: () => 0, close: () => undefined };
}
