import type { Socket } from 'socket.io';

/** A broadcast as the adapter delivers it locally: the packet's data (offset last) and its audience. */
interface Delivered {
  offset: string;
  data: unknown[];
  rooms: Set<string>;
  except: Set<string>;
}

interface Restoring {
  /** The offset up to which the restored session's missed packets go; null until the restore answered. */
  last: string | null;
  rooms: string[] | null;
  seen: Delivered[];
  startedAt: number;
}

type AdapterInternals = {
  onMessage(message: unknown, offset?: string): void;
  restoreSession(pid: string, offset: string): Promise<{ rooms: string[]; missedPackets: unknown[][] } | undefined>;
  addOffsetIfNecessary(packet: { type: number; data: unknown[]; id?: number }, opts: { rooms: Set<string>; except?: Set<string> }, offset: string): void;
};

/** Stream offsets "ms-seq" in order. */
const after = (a: string, b: string): boolean => {
  const [am, as] = a.split('-').map(Number) as [number, number];
  const [bm, bs] = b.split('-').map(Number) as [number, number];
  return am > bm || (am === bm && as > bs);
};

const audienceIncludes = (d: Delivered, rooms: string[]): boolean =>
  (d.rooms.size === 0 || rooms.some((r) => d.rooms.has(r))) && !rooms.some((r) => d.except.has(r));

/** A restore left hanging (the client went before its handshake finished) is forgotten after this. */
const FORGET_AFTER_MS = 30_000;

/** A recovered socket that already has every packet up to `last` from the restore's read of the stream. */
interface Caught {
  last: string;
  until: number;
}

/**
 * Closes the gap of connection-state recovery between reading the missed
 * packets and the socket being connected. The restored socket joins its rooms
 * while it is still being authenticated (middlewares run again on recovery), and
 * until it is connected the adapter's broadcasts skip it; the stream read that
 * found its missed packets has already been done. A broadcast in that window is
 * lost for that client (seen: one message in thirty to a crew recovering on
 * another node). So every broadcast delivered on this node while a restore is in
 * progress is noted, and when the socket connects, those after its last restored
 * offset and meant for its rooms are sent to it, in order, before anything newer.
 *
 * The other way round, this node's own stream loop may not yet have reached the
 * packets the restore read (a busy node, or one that was just started), and by
 * the time it delivers them the socket is connected and in its rooms: it would
 * get them twice, after newer ones (socketio/socket.io-redis-streams-adapter#26).
 * So until the loop has passed the restore's last offset, a packet at or before
 * it is not delivered to that socket again.
 */
export function closeRestoreGap(adapter: unknown): { onConnected(socket: Socket): void } {
  const internals = adapter as AdapterInternals;
  const restoring = new Map<string, Restoring>();
  const baseRestore = internals.restoreSession.bind(adapter);
  const baseAddOffset = internals.addOffsetIfNecessary.bind(adapter);
  const baseOnMessage = internals.onMessage.bind(adapter);
  /** Recovered sockets (by sid) whose restore read further than the stream loop had got. */
  const caughtUp = new Map<string, Caught>();
  let fromStreamLoop = false;

  // Every entry of the stream for this namespace passes here, in stream order, including this
  // node's own (which the base class then ignores): how far the loop has got.
  internals.onMessage = (message, offset) => {
    if (caughtUp.size > 0 && offset) {
      const now = Date.now();
      for (const [sid, c] of caughtUp) if (after(offset, c.last) || now > c.until) caughtUp.delete(sid);
    }
    fromStreamLoop = true;
    try {
      baseOnMessage(message, offset);
    } finally {
      fromStreamLoop = false;
    }
  };

  internals.addOffsetIfNecessary = (packet, opts, offset) => {
    baseAddOffset(packet, opts, offset);
    if (packet.type !== 2 || packet.id !== undefined || !offset) return;
    if (fromStreamLoop && caughtUp.size > 0) {
      // The base class delivers right after this with the same options: leave out the sockets
      // that got this packet from their restore. A socket is a room of its own.
      const already = [...caughtUp].filter(([, c]) => !after(offset, c.last)).map(([sid]) => sid);
      if (already.length > 0) opts.except = new Set([...(opts.except ?? []), ...already]);
    }
    if (restoring.size === 0) return;
    const delivered: Delivered = { offset, data: packet.data, rooms: new Set(opts.rooms), except: new Set(opts.except ?? []) };
    for (const r of restoring.values()) r.seen.push(delivered);
  };

  internals.restoreSession = async (pid, offset) => {
    const now = Date.now();
    for (const [key, r] of restoring) if (now - r.startedAt > FORGET_AFTER_MS) restoring.delete(key);
    const entry: Restoring = { last: null, rooms: null, seen: [], startedAt: now };
    restoring.set(pid, entry);
    try {
      const session = await baseRestore(pid, offset);
      if (!session) throw new Error('no session');
      const lastMissed = session.missedPackets.at(-1)?.at(-1);
      entry.last = typeof lastMissed === 'string' ? lastMissed : offset;
      entry.rooms = session.rooms;
      return session;
    } catch (err) {
      restoring.delete(pid);
      throw err;
    }
  };

  return {
    onConnected(socket) {
      const pid = (socket as unknown as { pid?: string }).pid;
      const entry = pid ? restoring.get(pid) : undefined;
      if (!entry) return;
      restoring.delete(pid!);
      if (!socket.recovered || entry.last === null || entry.rooms === null) return;
      const send = (socket as unknown as { packet(p: { type: number; data: unknown[] }): void }).packet.bind(socket);
      for (const d of entry.seen) if (after(d.offset, entry.last) && audienceIncludes(d, entry.rooms)) send({ type: 2, data: d.data });
      caughtUp.set(socket.id, { last: entry.last, until: Date.now() + FORGET_AFTER_MS });
      socket.once('disconnect', () => caughtUp.delete(socket.id));
    }
  };
}
