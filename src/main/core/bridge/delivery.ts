import type { Logger } from 'pino';
import type { Socket } from 'socket.io-client';
import { CadAckSchema, type CadAck } from '../../../shared/cad';
import type { SocketLogWriter } from '../log/types';
import type { OutboxEntry } from './outbox';
import type { OutboxPort } from './outboxPort';
import type { BridgeSettings } from './settings';
import { parseUntrusted } from '../../../shared/parseUntrusted';

export interface DeliveryStats {
  delivered: number;
  duplicates: number;
  rejected: number;
  timeouts: number;
  inFlight: number;
}

export interface OutboxDelivery {
  /** New rows were committed: send them if the link is up. */
  kick(): void;
  /** A row went back to pending behind the drain's position (a held message re-confirmed): start again from the oldest. */
  rewind(): void;
  linkUp(socket: Socket): void;
  linkDown(): void;
  stats(): DeliveryStats;
  /** True while waiting to resend after the CAD failed to ack. */
  stalled(): boolean;
  close(): void;
}

export interface DeliveryOptions {
  store: OutboxPort;
  settings: BridgeSettings;
  logger: Logger;
  log: SocketLogWriter;
  /** Outbox depth changed (health is pushed from here). */
  onChange(): void;
  /**
   * The CAD epoch the console's picture is in sync with, or null while it is
   * not (never synced, or a snapshot is on its way). Nothing is sent while
   * null: a message bound to an epoch must be compared with the CAD's current
   * one, which is only known once the snapshot after a (re)connect is in.
   */
  syncedEpoch(): string | null;
}

/** The wire field that binds a message to the CAD epoch its ids came from (docs/cad-protocol.md). */
export const CAD_EPOCH_FIELD = 'cad_epoch';
/** What a CAD answers to a message bound to another epoch. */
export const EPOCH_MISMATCH = 'EPOCH_MISMATCH';

/**
 * Drains the outbox to the CAD in id order with up to `outboxWindow` messages
 * in flight. One Socket.IO connection keeps them in order, and every resend
 * starts again from the oldest unacknowledged row, so the CAD sees each
 * message first in queue order; repeats carry the same idempotency key.
 */
export function createOutboxDelivery(options: DeliveryOptions): OutboxDelivery {
  const { store, settings, logger } = options;
  const stats = { delivered: 0, duplicates: 0, rejected: 0, timeouts: 0 };
  let socket: Socket | null = null;
  let generation = 0;
  let sentUpTo = 0;
  let buffer: OutboxEntry[] = [];
  const inFlight = new Map<number, OutboxEntry>();
  /** Sends per row since this process started (a resend after a timeout or outage counts again). */
  const sends = new Map<number, number>();
  let retryTimer: NodeJS.Timeout | null = null;
  let closed = false;
  /** A read of pending rows from a remote store (cluster mode) is on its way. */
  let loading = false;
  /** New rows were announced while that read was on its way: it may have missed them. */
  let kickedWhileLoading = false;

  const restartFromOldest = () => {
    generation += 1;
    inFlight.clear();
    buffer = [];
    sentUpTo = 0;
    loading = false;
  };

  const batchSize = Math.max(256, settings.outboxWindow * 2);
  /**
   * The next pending rows after the drain's position. Outcomes are batched, so
   * they are written first: settled rows must not be read as pending. The SQLite
   * store answers at once; a remote one answers later, and the pump resumes then
   * unless the link or position changed meanwhile.
   */
  const readMore = (): boolean => {
    const flushed = store.flush();
    const rows = flushed instanceof Promise ? flushed.then(() => store.pendingAfter(sentUpTo, batchSize)) : store.pendingAfter(sentUpTo, batchSize);
    if (!(rows instanceof Promise)) {
      buffer = rows;
      return buffer.length > 0;
    }
    loading = true;
    kickedWhileLoading = false;
    const myGeneration = generation;
    rows.then(
      (loaded) => {
        if (myGeneration !== generation || closed) return;
        loading = false;
        buffer = loaded;
        if (loaded.length || kickedWhileLoading) pump();
      },
      (err: unknown) => {
        if (myGeneration !== generation || closed) return;
        loading = false;
        logger.warn({ err }, 'could not read the outbox; will try again');
        scheduleRetry();
      }
    );
    return false;
  };

  const logOutcome = (entry: OutboxEntry, status: 'success' | 'failed', ack: unknown, error: string | null) => {
    options.log
      .createSocketLog({
        eventType: `cad:out:${entry.event}`,
        socketId: socket?.id ?? 'cad-bridge',
        userId: entry.requestedBy,
        userRole: 'cad-bridge',
        requestData: entry.payload,
        responseData: ack ?? null,
        status,
        errorMessage: error,
        processed: true,
        responseTimeMs: Date.now() - Date.parse(entry.createdAt)
      })
      .catch((err: unknown) => logger.error({ err, key: entry.idempotencyKey }, 'outbound CAD message could not be logged'));
  };

  const settle = (entry: OutboxEntry, ack: CadAck | null, problem: string | null) => {
    const attempts = sends.get(entry.id) ?? 1;
    sends.delete(entry.id);
    if (ack?.ok) {
      stats.delivered += 1;
      if (ack.duplicate) stats.duplicates += 1;
      store.markDelivered(entry.id, attempts);
      logOutcome(entry, 'success', ack, null);
    } else {
      stats.rejected += 1;
      const error = problem ?? (ack && !ack.ok ? `${ack.error.code}: ${ack.error.message}` : 'rejected');
      store.markRejected(entry.id, error, attempts);
      logger.warn({ key: entry.idempotencyKey, event: entry.event, error }, 'CAD rejected an outbound message');
      logOutcome(entry, 'failed', ack, error);
    }
    options.onChange();
  };

  /**
   * A message whose epoch is gone refers to ids that may now name other units
   * and calls (a CAD restarted without its database reuses them). Position
   * reports are simply stale and dropped; every other message waits for a
   * dispatcher to re-confirm or discard it.
   */
  const setAside = (entry: OutboxEntry, reason: string) => {
    sends.delete(entry.id);
    if (entry.event === 'unit:location:update') store.markDiscarded(entry.id, `stale position report: ${reason}`);
    else store.markHeld(entry.id, reason);
    logger.warn({ key: entry.idempotencyKey, event: entry.event, reason }, 'outbound CAD message held: its CAD epoch is gone');
    options.onChange();
  };

  const send = (entry: OutboxEntry, link: Socket) => {
    const myGeneration = generation;
    inFlight.set(entry.id, entry);
    sends.set(entry.id, (sends.get(entry.id) ?? 0) + 1);
    link.timeout(settings.ackTimeoutMs).emit(entry.event, entry.payload, (err: Error | null, ack: unknown) => {
      if (myGeneration !== generation || closed) return; // the link changed: the row is sent again from the start
      inFlight.delete(entry.id);
      if (err) {
        // No ack in time: the CAD may or may not have it. Send everything from here
        // again after a pause; the idempotency key makes the repeat harmless.
        stats.timeouts += 1;
        logger.warn({ key: entry.idempotencyKey, event: entry.event }, 'CAD did not ack in time; will resend');
        restartFromOldest();
        scheduleRetry();
        options.onChange();
        return;
      }
      const parsed = parseUntrusted(CadAckSchema, ack);
      if (parsed.success && !parsed.data.ok && parsed.data.error.code === EPOCH_MISMATCH) {
        setAside(entry, `the CAD refused it: ${parsed.data.error.message}`);
        pump();
        return;
      }
      settle(entry, parsed.success ? parsed.data : null, parsed.success ? null : 'The CAD answered with a malformed ack.');
      pump();
    });
  };

  const scheduleRetry = () => {
    if (retryTimer || closed) return;
    retryTimer = setTimeout(() => {
      retryTimer = null;
      options.onChange();
      pump();
    }, settings.backoffInitialMs);
    retryTimer.unref();
  };

  function pump(): void {
    if (!socket || closed || retryTimer) return;
    const epoch = options.syncedEpoch();
    if (epoch === null) return;
    while (inFlight.size < settings.outboxWindow) {
      if (buffer.length === 0 && (loading || !readMore())) break;
      const entry = buffer.shift() as OutboxEntry;
      sentUpTo = entry.id;
      const bound = entry.payload[CAD_EPOCH_FIELD];
      if (typeof bound === 'string' && bound !== epoch) {
        setAside(entry, `made under CAD epoch ${bound}; the CAD is now at epoch ${epoch}`);
        continue;
      }
      send(entry, socket);
    }
  }

  return {
    kick: () => {
      if (loading) kickedWhileLoading = true;
      else if (inFlight.size < settings.outboxWindow) pump();
    },
    rewind() {
      restartFromOldest();
      pump();
    },
    linkUp(link) {
      socket = link;
      restartFromOldest();
      if (retryTimer) clearTimeout(retryTimer);
      retryTimer = null;
      pump();
    },
    linkDown() {
      socket = null;
      restartFromOldest();
    },
    stats: () => ({ ...stats, inFlight: inFlight.size }),
    stalled: () => retryTimer !== null,
    close() {
      closed = true;
      socket = null;
      if (retryTimer) clearTimeout(retryTimer);
      restartFromOldest();
      void store.flush();
    }
  };
}
