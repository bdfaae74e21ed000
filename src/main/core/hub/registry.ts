import type { HubConnection } from '../../../shared/contract/hub';
import type { Identity } from '../../../shared/roles';
import type { BucketState } from './rateLimit';
import type { RoomMessage } from './roomHistory';

export type HubTransport = 'socketio' | 'websocket' | 'sse';

/** One live connection of any transport. Kept small: the hub holds 10k+ of them. */
export interface HubConn {
  id: string;
  transport: HubTransport;
  identity: Identity;
  /** The token's id and times (unix seconds): revocation and expiry close the connection. */
  token: { jti: string; iat: number; exp: number };
  rooms: Set<string>;
  connectedAt: number;
  lastSeen: number;
  ip: string | null;
  userAgent: string | null;
  messagesIn: number;
  messagesOut: number;
  bucket: BucketState;
  violations: number;
  /** Delivers a room message (WebSocket and SSE; Socket.IO delivers through its own rooms). */
  deliver?(message: RoomMessage): void;
  /** Sends a message to this connection only (Socket.IO event or WebSocket/SSE envelope). */
  direct(event: string, data: unknown): void;
  /** A control notice (hub.restarting, hub.refused): like direct, never replayed; defaults to direct. */
  notice?(event: string, data: unknown): void;
  close(reason: string): void;
}

export interface ConnectionRegistry {
  add(conn: HubConn): void;
  remove(id: string): HubConn | undefined;
  get(id: string): HubConn | undefined;
  all(): IterableIterator<HubConn>;
  size(): number;
  /** Room index of WebSocket and SSE subscribers (Socket.IO keeps its own). */
  subscribe(conn: HubConn, room: string): void;
  unsubscribe(conn: HubConn, room: string): void;
  localSubscribers(room: string): ReadonlySet<HubConn> | undefined;
  localRoomNames(): IterableIterator<string>;
}

export function createConnectionRegistry(): ConnectionRegistry {
  const byId = new Map<string, HubConn>();
  const localRooms = new Map<string, Set<HubConn>>();
  return {
    add: (conn) => void byId.set(conn.id, conn),
    remove(id) {
      const conn = byId.get(id);
      if (!conn) return undefined;
      byId.delete(id);
      if (conn.transport !== 'socketio') for (const room of conn.rooms) this.unsubscribe(conn, room);
      return conn;
    },
    get: (id) => byId.get(id),
    all: () => byId.values(),
    size: () => byId.size,
    subscribe(conn, room) {
      conn.rooms.add(room);
      if (conn.transport === 'socketio') return;
      let set = localRooms.get(room);
      if (!set) localRooms.set(room, (set = new Set()));
      set.add(conn);
    },
    unsubscribe(conn, room) {
      conn.rooms.delete(room);
      const set = localRooms.get(room);
      if (!set) return;
      set.delete(conn);
      if (set.size === 0) localRooms.delete(room);
    },
    localSubscribers: (room) => localRooms.get(room),
    localRoomNames: () => localRooms.keys()
  };
}

export function describeConnection(conn: HubConn, stale: boolean): HubConnection {
  return {
    id: conn.id,
    transport: conn.transport,
    role: conn.identity.role,
    user: conn.identity.sub,
    rooms: [...conn.rooms],
    connected_at: new Date(conn.connectedAt).toISOString(),
    last_seen: new Date(conn.lastSeen).toISOString(),
    ip: conn.ip,
    user_agent: conn.userAgent,
    messages_in: conn.messagesIn,
    messages_out: conn.messagesOut,
    stale
  };
}
