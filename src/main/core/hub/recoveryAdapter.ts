import type { Namespace } from 'socket.io';
import { SessionAwareAdapter } from 'socket.io-adapter';

/**
 * Whose recoverable session this is, for the field clients that are one device
 * per identity (a crew's tablet, a monitor, a patient's app): `role:sub` from the
 * identity the hub's Socket.IO transport stores in socket.data. Staff and
 * operators may run several clients under one identity; their sessions are never retired.
 */
export function singleDeviceOwner(sessionData: unknown): string | null {
  const identity = (sessionData as { identity?: { role?: unknown; sub?: unknown } } | undefined)?.identity;
  if (!identity || typeof identity.sub !== 'string') return null;
  return identity.role === 'crew' || identity.role === 'device' || identity.role === 'patient' ? `${identity.role}:${identity.sub}` : null;
}

const addPid = (index: Map<string, Set<string>>, key: string, pid: string) => {
  const pids = index.get(key);
  if (pids) pids.add(pid);
  else index.set(key, new Set([pid]));
};

type PersistedPacket = { data: unknown[]; emittedAt: number; bytes?: number };

/** Size of a broadcast as it will go on the wire, roughly (UTF-16 length of its JSON). */
function approximateBytes(data: unknown): number {
  try {
    return JSON.stringify(data)?.length ?? 0;
  } catch {
    return 0;
  }
}

/**
 * Socket.IO's connection-state recovery keeps every broadcast for the whole
 * recovery window, with no limit on bytes: a burst of large messages would
 * hold gigabytes. This adapter keeps the same semantics within a byte and
 * packet budget, dropping the oldest first; a client whose offset fell out of
 * the budget simply reconnects without recovery (and can ask a room's history).
 */
export function boundedRecoveryAdapter(maxBytes: number, maxPackets: number, ownerOf: (sessionData: unknown) => string | null = () => null) {
  return class BoundedSessionAdapter extends SessionAwareAdapter {
    private bytes = 0;
    private tracked = 0;
    /** Room -> disconnected sessions (pids) that were in it: a broadcast only needs keeping if one of them may come back. */
    private readonly roomSessions = new Map<string, Set<string>>();
    /** Owner (see ownerOf) -> its disconnected sessions, so a fresh connection of the same owner can retire them. */
    private readonly ownerSessions = new Map<string, Set<string>>();

    override persistSession(session: Parameters<SessionAwareAdapter['persistSession']>[0]): void {
      super.persistSession(session);
      for (const room of session.rooms) addPid(this.roomSessions, room, session.pid);
      const owner = ownerOf(session.data);
      if (owner === null) return;
      // Expired and resumed sessions leave their pids behind; drop them here so a device
      // that drops and recovers all day keeps a set of one.
      const pids = this.ownerSessions.get(owner);
      if (pids) for (const pid of pids) if (!this.persisted.has(pid)) pids.delete(pid);
      addPid(this.ownerSessions, owner, session.pid);
    }

    /**
     * Retires the recoverable sessions of `owner`: it connected afresh, so those
     * sessions will never be resumed, yet every broadcast to their rooms would be
     * kept for them for the whole recovery window. Returns how many were retired.
     */
    retireSessionsOf(owner: string): number {
      const pids = this.ownerSessions.get(owner);
      if (!pids) return 0;
      this.ownerSessions.delete(owner);
      let retired = 0;
      for (const pid of pids) {
        const session = this.persisted.get(pid);
        if (!session) continue; // already resumed or expired
        this.persisted.delete(pid);
        for (const room of session.rooms) this.forget(room, pid);
        retired += 1;
      }
      return retired;
    }

    override restoreSession(pid: string, offset: string): ReturnType<SessionAwareAdapter['restoreSession']> {
      const session = this.persisted.get(pid);
      const restored = super.restoreSession(pid, offset);
      if (session) for (const room of session.rooms) this.forget(room, pid);
      return restored;
    }

    /** Whether a disconnected, still recoverable session was in `room` (expired sessions are dropped lazily). */
    hasRecoverableSession(room: string): boolean {
      const pids = this.roomSessions.get(room);
      if (!pids) return false;
      for (const pid of pids) {
        if (this.persisted.has(pid)) return true;
        this.forget(room, pid);
      }
      return false;
    }

    /** The base class's session map (private in its typings). */
    private get persisted(): Map<string, { rooms: string[] }> {
      return (this as unknown as { sessions: Map<string, { rooms: string[] }> }).sessions;
    }

    private forget(room: string, pid: string): void {
      const pids = this.roomSessions.get(room);
      if (!pids) return;
      pids.delete(pid);
      if (pids.size === 0) this.roomSessions.delete(room);
    }

    override broadcast(packet: Parameters<SessionAwareAdapter['broadcast']>[0], opts: Parameters<SessionAwareAdapter['broadcast']>[1]): void {
      const packets = (this as unknown as { packets: PersistedPacket[] }).packets;
      const before = packets.length;
      super.broadcast(packet, opts);
      if (packets.length === before) return; // not persisted (ack or volatile)
      if (before < this.tracked) {
        // The base class's minute timer dropped expired packets: recount what is left.
        this.bytes = packets.slice(0, before).reduce((n, p) => n + (p.bytes ?? 0), 0);
      }
      const added = packets[packets.length - 1]!;
      added.bytes = approximateBytes(added.data);
      this.bytes += added.bytes;
      if (this.bytes > maxBytes || packets.length > maxPackets) {
        // Over budget: drop down to 90% of it in one splice, so the O(n) shift of
        // the array is paid once per many broadcasts rather than on every one.
        const targetBytes = maxBytes * 0.9;
        const targetPackets = Math.floor(maxPackets * 0.9);
        let drop = 0;
        while ((this.bytes > targetBytes || packets.length - drop > targetPackets) && drop < packets.length - 1) {
          this.bytes -= packets[drop]!.bytes ?? 0;
          drop += 1;
        }
        packets.splice(0, drop);
      }
      this.tracked = packets.length;
    }
  };
}

/** See BoundedSessionAdapter.retireSessionsOf; 0 on a namespace without the bounded adapter. */
export function retireRecoverableSessions(nsp: Namespace, owner: string): number {
  const adapter = nsp.adapter as unknown as { retireSessionsOf?(owner: string): number };
  return adapter.retireSessionsOf?.(owner) ?? 0;
}

/**
 * Whether a disconnected session that recovery would replay to was in `room`.
 * (A namespace without the bounded adapter: any recoverable session counts.)
 */
export function recoverableSessionIn(nsp: Namespace, room: string): boolean {
  const adapter = nsp.adapter as unknown as { hasRecoverableSession?(room: string): boolean; sessions?: Map<string, unknown> };
  return adapter.hasRecoverableSession ? adapter.hasRecoverableSession(room) : (adapter.sessions?.size ?? 0) > 0;
}

/**
 * Whether a broadcast to `room` could reach anyone: a live member, or a
 * disconnected session that recovery would replay it to. A broadcast nobody can
 * receive still costs an encode and a place in the recovery buffer.
 */
export const roomHasAudience = (nsp: Namespace, room: string): boolean => (nsp.adapter.rooms.get(room)?.size ?? 0) > 0 || recoverableSessionIn(nsp, room);
