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
 */
export function closeRestoreGap(adapter: unknown): { onConnected(socket: Socket): void } {
  const internals = adapter as AdapterInternals;
  const restoring = new Map<string, Restoring>();
  const baseRestore = internals.restoreSession.bind(adapter);
  const baseAddOffset = internals.addOffsetIfNecessary.bind(adapter);

  internals.addOffsetIfNecessary = (packet, opts, offset) => {
    baseAddOffset(packet, opts, offset);
    if (restoring.size === 0 || packet.type !== 2 || packet.id !== undefined || !offset) return;
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
    }
  };
}
