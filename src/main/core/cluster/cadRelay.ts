import type { createClient } from 'redis';
import { z } from 'zod';
import type { Logger } from 'pino';
import { parseUntrusted } from '../../../shared/parseUntrusted';
import { describeIssues } from '../errors';

export type RedisClient = ReturnType<typeof createClient>;

/** The one Redis pub/sub channel the nodes talk about the CAD link on. */
export const CAD_RELAY_CHANNEL = 'switchboard:cad';

const Position = z.object({ epoch: z.string().max(64), seq: z.number().int().nonnegative() }).nullable();

/** The link as the holder sees it, for every node's bridge health. */
export const RemoteLinkSchema = z.object({
  connected: z.boolean(),
  attempts: z.number().int().nonnegative(),
  lastConnection: z.string().nullable(),
  connectedSince: z.number().nullable(),
  lastError: z.string().nullable(),
  nextRetryAt: z.string().nullable(),
  gaveUp: z.boolean()
});

const Common = { node: z.string().max(64), lease: z.number().int().nonnegative() };

/**
 * Everything on the channel. The holder sends CAD events (batched per turn,
 * each still carrying its CAD epoch and seq), its picture as a snapshot, and a
 * heartbeat with its link state and stream position; any node asks for a
 * snapshot, or tells the holder that the outbox changed or a person asked for a
 * reconnect. `lease` is the sender's lease epoch: a message from an older
 * holder than the newest one heard of is ignored (a paused node waking up).
 */
export const RelayMessageSchema = z.discriminatedUnion('t', [
  z.object({ t: z.literal('events'), ...Common, items: z.array(z.object({ event: z.string().max(64), payload: z.unknown() })).max(100_000) }),
  z.object({ t: z.literal('snapshot'), ...Common, snapshot: z.unknown() }),
  z.object({
    t: z.literal('heartbeat'),
    ...Common,
    link: RemoteLinkSchema,
    position: Position,
    resyncing: z.boolean(),
    lastEventAt: z.string().nullable(),
    cadUrl: z.string().nullable()
  }),
  z.object({ t: z.literal('want-snapshot'), ...Common }),
  z.object({ t: z.literal('kick'), ...Common }),
  z.object({ t: z.literal('rewind'), ...Common }),
  z.object({ t: z.literal('reconnect'), ...Common }),
  /** An admin set the CAD link in a console: every node keeps it (never in a database, as on one node). */
  z.object({ t: z.literal('target'), ...Common, url: z.url(), token: z.string().max(4096).nullable() })
]);
export type RelayMessage = z.infer<typeof RelayMessageSchema>;
type Outgoing = RelayMessage extends infer M ? (M extends RelayMessage ? Omit<M, 'node' | 'lease'> : never) : never;

export interface CadRelay {
  /** Queues a message; the queue goes out in order once per event-loop turn (one PUBLISH per turn). */
  send(message: Outgoing, lease: number): void;
  /** CAD events are gathered into one `events` message per turn. */
  sendEvent(event: string, payload: unknown, lease: number): void;
  close(): Promise<void>;
}

/**
 * Pub/sub between the nodes about the CAD link. Pub/sub keeps no history: a
 * node that missed messages (Redis restarted, the node was busy reconnecting)
 * sees a gap in the CAD sequence or behind the heartbeat's position, and asks
 * for a snapshot, the same way the bridge resynchronises from the CAD.
 */
export async function startCadRelay(options: { redis: RedisClient; node: string; logger: Logger; onMessage(message: RelayMessage): void }): Promise<CadRelay> {
  const { redis, node, logger } = options;
  const subscriber = redis.duplicate();
  subscriber.on('error', (err: unknown) => logger.warn({ err }, 'Redis subscriber (CAD relay) error; reconnecting'));
  await subscriber.connect();
  await subscriber.subscribe(CAD_RELAY_CHANNEL, (raw) => {
    let parsed: ReturnType<typeof RelayMessageSchema.safeParse> | null = null;
    try {
      parsed = parseUntrusted(RelayMessageSchema, JSON.parse(raw));
    } catch {
      parsed = null;
    }
    if (!parsed?.success) {
      logger.warn({ reason: parsed ? describeIssues(parsed.error.issues) : 'not JSON' }, 'ignored a malformed CAD relay message');
      return;
    }
    if (parsed.data.node === node) return;
    try {
      options.onMessage(parsed.data);
    } catch (err) {
      logger.error({ err, t: parsed.data.t }, 'CAD relay message handler failed');
    }
  });

  let queue: string[] = [];
  let events: Array<{ event: string; payload: unknown }> = [];
  let eventsLease = 0;
  let scheduled = false;
  const sealEvents = () => {
    if (!events.length) return;
    queue.push(JSON.stringify({ t: 'events', node, lease: eventsLease, items: events }));
    events = [];
  };
  const flush = () => {
    scheduled = false;
    sealEvents();
    const out = queue;
    queue = [];
    for (const message of out) {
      redis.publish(CAD_RELAY_CHANNEL, message).catch((err: unknown) => logger.warn({ err }, 'could not publish to the CAD relay channel'));
    }
  };
  const schedule = () => {
    if (scheduled) return;
    scheduled = true;
    setImmediate(flush);
  };
  return {
    send(message, lease) {
      sealEvents(); // keeps the order: events queued before this message go out before it
      queue.push(JSON.stringify({ ...message, node, lease }));
      schedule();
    },
    sendEvent(event, payload, lease) {
      if (lease !== eventsLease) sealEvents();
      eventsLease = lease;
      events.push({ event, payload });
      schedule();
    },
    async close() {
      flush();
      await subscriber.quit().catch(() => undefined);
    }
  };
}
