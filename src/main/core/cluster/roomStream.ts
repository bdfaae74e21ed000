import type { Logger } from 'pino';
import type { createClient } from 'redis';
import { createRepeatedErrorLog } from '../repeatedErrors';
import { restartSafeFirstId, type RoomMessage } from '../hub/roomHistory';

type RedisClient = ReturnType<typeof createClient>;

/** Keys: one cluster-wide counter, one live stream every node reads, one bounded stream per room. */
const SEQ_KEY = 'switchboard:room-seq';
const LIVE_KEY = 'switchboard:rooms:live';
const roomKey = (room: string) => `switchboard:room:${room}`;

/**
 * One atomic step per published message: the next cluster-wide id (a counter that
 * a Redis without persistence lost starts again above every id handed out before,
 * like a restarted single node), the message appended under id `0-<n>` to the live
 * stream (fan-out to every node, bounded) and to the room's own stream (resume,
 * bounded to the room history's length; it expires when the room goes quiet).
 * Ids are consecutive in the live stream, so a reader that misses one knows.
 */
const PUBLISH_SCRIPT = `
redis.call('SET', KEYS[1], ARGV[1], 'NX')
local n = redis.call('INCR', KEYS[1])
local id = '0-' .. string.format('%.0f', n)
redis.call('XADD', KEYS[2], 'MAXLEN', '~', ARGV[2], id, 'r', ARGV[4], 'e', ARGV[5], 'd', ARGV[6], 't', ARGV[7], 'x', ARGV[9])
redis.call('XADD', KEYS[3], 'MAXLEN', ARGV[3], id, 'e', ARGV[5], 'd', ARGV[6], 't', ARGV[7])
redis.call('PEXPIRE', KEYS[3], ARGV[8])
return n
`;

export interface RoomStreamOptions {
  redis: RedisClient;
  logger: Logger;
  /** Messages kept per room (the hub's historyPerRoom). */
  perRoom: number;
  /** Entries kept in the live stream: how far a node's reader may fall behind before it misses messages. */
  liveMaxLen: number;
  /** A room's stream expires this long after its last message. */
  roomTtlMs: number;
  /** Every message, from every node, in id order (the reader's one entry point into the hub); `except`: the connection that sent it and hears it not. */
  onMessage(message: RoomMessage, except: string | undefined): void;
  /** The reader found ids missing between two it read (it fell further behind than the live stream holds, or Redis lost them). */
  onGap?(missing: number): void;
}

export interface RoomStream {
  /** Appends a message cluster-wide; resolves with its id. */
  publish(room: string, event: string, data: unknown, timestamp: string, except?: string): Promise<number>;
  /** Messages of these rooms after `afterId` from Redis, merged in id order (a resume older than this node's own copy). */
  since(rooms: Iterable<string>, afterId: number): Promise<RoomMessage[]>;
  /** The id this node's reader started after: its in-memory copy is complete from the next one on. */
  readonly startedAfter: number;
  /** Round trip to Redis, seconds (the metrics scrape asks). */
  ping(): Promise<number>;
  close(): Promise<void>;
}

type StreamEntry = { id: string; message: Record<string, string> };
const seqOf = (id: string) => Number(id.slice(id.indexOf('-') + 1));

function decode(id: string, fields: Record<string, string>, room: string): RoomMessage {
  return { id: seqOf(id), room, event: fields.e ?? '', data: JSON.parse(fields.d ?? 'null') as unknown, timestamp: fields.t ?? '' };
}

/**
 * Raw WebSocket and SSE traffic across nodes through Redis Streams. Each node
 * publishes with one script call and reads the live stream with one blocking
 * XREAD loop on its own connection, handing every message to the hub, which
 * keeps it in its room history and delivers it to its own subscribers. The
 * history is seeded from the live stream at start, so a client resuming here
 * after its node died finds what it missed.
 */
export async function startRoomStream(options: RoomStreamOptions): Promise<RoomStream> {
  const { redis, logger } = options;
  const reader = redis.duplicate();
  reader.on('error', () => undefined); // the main client reports connection trouble; the loop below retries
  await reader.connect();
  let sha = await redis.scriptLoad(PUBLISH_SCRIPT);
  const failures = createRepeatedErrorLog(logger, 'room stream read from Redis failed');

  // Seed: what the live stream still holds, so a resume with an older id is answered from memory.
  const seed = (await redis.xRange(LIVE_KEY, '-', '+')) as StreamEntry[];
  let last = seed.length > 0 ? seqOf(seed[seed.length - 1]!.id) : Number((await redis.get(SEQ_KEY)) ?? 0);
  const startedAfter = seed.length > 0 ? seqOf(seed[0]!.id) - 1 : last;
  for (const entry of seed) options.onMessage(decode(entry.id, entry.message, entry.message.r ?? ''), undefined);

  let running = true;
  const loop = (async () => {
    while (running) {
      try {
        const res = (await reader.xRead([{ key: LIVE_KEY, id: `0-${last}` }], { BLOCK: 1_000, COUNT: 1_000 })) as Array<{ messages: StreamEntry[] }> | null;
        for (const entry of res?.[0]?.messages ?? []) {
          const n = seqOf(entry.id);
          if (n !== last + 1 && last > 0) options.onGap?.(n - last - 1);
          last = n;
          options.onMessage(decode(entry.id, entry.message, entry.message.r ?? ''), entry.message.x || undefined);
        }
      } catch (err) {
        if (!running) break;
        failures.report(err);
        await new Promise((resolve) => setTimeout(resolve, 250));
      }
    }
  })();

  const ttl = String(options.roomTtlMs);
  return {
    startedAfter,
    async publish(room, event, data, timestamp, except) {
      const args = [String(restartSafeFirstId()), String(options.liveMaxLen), String(options.perRoom), room, event, JSON.stringify(data ?? null), timestamp, ttl, except ?? ''];
      const call = { keys: [SEQ_KEY, LIVE_KEY, roomKey(room)], arguments: args };
      try {
        return Number(await redis.evalSha(sha, call));
      } catch (err) {
        // A restarted Redis forgot the script: load it again once.
        if (!String((err as Error).message).startsWith('NOSCRIPT')) throw err;
        sha = await redis.scriptLoad(PUBLISH_SCRIPT);
        return Number(await redis.evalSha(sha, call));
      }
    },
    async since(roomNames, afterId) {
      const out: RoomMessage[] = [];
      for (const room of new Set(roomNames)) {
        const entries = (await redis.xRange(roomKey(room), `(0-${afterId}`, '+', { COUNT: options.perRoom })) as StreamEntry[];
        for (const entry of entries) out.push(decode(entry.id, entry.message, room));
      }
      return out.sort((a, b) => a.id - b.id);
    },
    async ping() {
      const started = performance.now();
      await redis.ping();
      return (performance.now() - started) / 1000;
    },
    async close() {
      running = false;
      failures.close();
      await reader.disconnect().catch(() => undefined);
      await loop;
    }
  };
}
