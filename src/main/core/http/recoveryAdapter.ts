import type { Namespace } from 'socket.io';
import { SessionAwareAdapter } from 'socket.io-adapter';

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
export function boundedRecoveryAdapter(maxBytes: number, maxPackets: number) {
  return class BoundedSessionAdapter extends SessionAwareAdapter {
    private bytes = 0;
    private tracked = 0;

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

/** Disconnected sessions a namespace still keeps for recovery (they may be waiting for any room). */
export const recoverableSessions = (nsp: Namespace): number => (nsp.adapter as unknown as { sessions?: Map<string, unknown> }).sessions?.size ?? 0;

/**
 * Whether a broadcast to `room` could reach anyone: a live member, or a
 * disconnected session that recovery would replay it to. A broadcast nobody can
 * receive still costs an encode and a place in the recovery buffer.
 */
export const roomHasAudience = (nsp: Namespace, room: string): boolean => (nsp.adapter.rooms.get(room)?.size ?? 0) > 0 || recoverableSessions(nsp) > 0;
