import { isoNow } from '../clock';

/** One message as it was published to a room; `id` increases across all rooms. */
export interface RoomMessage {
  id: number;
  room: string;
  event: string;
  data: unknown;
  timestamp: string;
}

export interface RoomHistory {
  /** Records a message and gives it the next id. */
  append(room: string, event: string, data: unknown): RoomMessage;
  /** Keeps a message that already has its id (cluster mode: ids come from Redis, in increasing order). */
  record(message: RoomMessage): void;
  /** Messages of `room` with an id greater than `afterId`, oldest first. */
  since(room: string, afterId: number): RoomMessage[];
  /** Same, merged across rooms in id order (SSE Last-Event-ID, WebSocket resume). */
  sinceAcross(roomNames: Iterable<string>, afterId: number): RoomMessage[];
  /** Id of the newest message published anywhere. */
  lastId(): number;
  roomCount(): number;
  /** Messages held across every room (memory accounting: grows with rooms, never with time). */
  messageCount(): number;
}

/**
 * Where a process's message ids start: ahead of every id an earlier process can
 * have given (a thousand ids per millisecond it ran), so a client resuming after a
 * restart with the last id it saw (WebSocket `since`, SSE Last-Event-ID) gets what
 * this process published, not nothing until the count climbs past its old id.
 * Milliseconds x 1000 stay far inside Number.MAX_SAFE_INTEGER.
 */
export const restartSafeFirstId = (now = Date.now()): number => now * 1000;

/**
 * A bounded ring of recent messages per room. Ids are one global sequence, so a
 * client that saw id N can ask any set of rooms for everything after N without
 * gaps, as long as the ring still holds it. Idle rooms are evicted oldest-first
 * when there are more than `maxRooms`.
 */
export function createRoomHistory(perRoom: number, maxRooms = 20_000, firstId = 0): RoomHistory {
  const rings = new Map<string, { items: RoomMessage[]; next: number; movedAt: number }>();
  let seq = firstId;

  const ordered = (ring: { items: RoomMessage[]; next: number }) =>
    ring.items.length < perRoom ? ring.items : [...ring.items.slice(ring.next), ...ring.items.slice(0, ring.next)];

  return {
    append(room, event, data) {
      const message: RoomMessage = { id: seq + 1, room, event, data, timestamp: isoNow() };
      this.record(message);
      return message;
    },
    record(message) {
      const { room } = message;
      seq = message.id;
      let ring = rings.get(room);
      if (!ring) {
        ring = { items: [], next: 0, movedAt: seq };
        rings.set(room, ring);
      } else if (seq - ring.movedAt > rings.size / 2) {
        // Map order is least-recently-used first. Re-inserting on every message cost 2% of
        // the hub's event loop; a room moved within the last size/2 messages is still in
        // the newer half, so moving it again only after that keeps eviction least-recent.
        rings.delete(room);
        rings.set(room, ring);
        ring.movedAt = seq;
      }
      if (ring.items.length < perRoom) ring.items.push(message);
      else {
        ring.items[ring.next] = message;
        ring.next = (ring.next + 1) % perRoom;
      }
      if (rings.size > maxRooms) {
        const oldest = rings.keys().next().value;
        if (oldest !== undefined) rings.delete(oldest);
      }
    },
    since(room, afterId) {
      const ring = rings.get(room);
      return ring ? ordered(ring).filter((m) => m.id > afterId) : [];
    },
    sinceAcross(roomNames, afterId) {
      const out: RoomMessage[] = [];
      for (const room of new Set(roomNames)) out.push(...this.since(room, afterId));
      return out.sort((a, b) => a.id - b.id);
    },
    lastId: () => seq,
    roomCount: () => rings.size,
    messageCount() {
      let n = 0;
      for (const ring of rings.values()) n += ring.items.length;
      return n;
    }
  };
}
