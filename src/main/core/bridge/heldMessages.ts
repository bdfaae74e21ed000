import type { HeldMessage } from '../../../shared/contract/bridge';
import { AppError } from '../errors';
import type { SocketLogWriter } from '../log/types';
import type { Logger } from '../logger';
import { CAD_EPOCH_FIELD } from './delivery';
import type { OutboxEntry } from './outbox';
import type { OutboxPort } from './outboxPort';

export interface HeldMessages {
  list(): Promise<HeldMessage[]>;
  confirm(id: number, by: string): Promise<{ outbox_id: number; status: 'pending'; epoch: string }>;
  discard(id: number, by: string): Promise<{ outbox_id: number; status: 'discarded' }>;
}

const HELD_LISTED = 500;

/**
 * A dispatcher's decision on each message the bridge held after the CAD
 * changed epoch. Re-confirming binds the message to the epoch the console is
 * in sync with now (the dispatcher has seen the current picture), so the CAD
 * accepts it; discarding settles it without sending. Both are written to the
 * socket log with who decided.
 */
export function createHeldMessages(deps: {
  store: OutboxPort;
  /** Starts the drain again from the oldest pending message (in cluster mode: on the node holding the CAD link). */
  rewind(): void;
  syncedEpoch(): string | null;
  logger: Logger;
  log: SocketLogWriter;
  onChange(): void;
}): HeldMessages {
  const toView = (entry: OutboxEntry): HeldMessage => {
    const { idempotency_key: _key, queued_at: _queued, [CAD_EPOCH_FIELD]: epoch, ...body } = entry.payload;
    return {
      outbox_id: entry.id,
      event: entry.event,
      body,
      made_in_epoch: typeof epoch === 'string' ? epoch : null,
      reason: entry.lastError,
      requested_by: entry.requestedBy,
      created_at: entry.createdAt
    };
  };
  const find = async (id: number) => {
    const entry = (await deps.store.held(HELD_LISTED)).find((e) => e.id === id);
    if (!entry) throw new AppError('NOT_FOUND', `No held message ${id}: it was already re-confirmed or discarded.`);
    return entry;
  };
  const audit = (entry: OutboxEntry, decision: 'confirmed' | 'discarded', by: string, epoch: string | null) => {
    deps.logger.info({ outbox_id: entry.id, event: entry.event, decision, by, epoch }, 'held CAD message decided');
    deps.log
      .createSocketLog({
        eventType: `cad:held:${decision}`,
        socketId: 'cad-bridge',
        userId: by,
        userRole: 'operator',
        eventData: { outbox_id: entry.id, event: entry.event, body: toView(entry).body, epoch },
        status: 'success',
        processed: true
      })
      .catch((err: unknown) => deps.logger.error({ err }, 'held message decision not logged'));
  };

  return {
    list: async () => (await deps.store.held(HELD_LISTED)).map(toView),
    async confirm(id, by) {
      const entry = await find(id);
      const epoch = deps.syncedEpoch();
      if (!epoch) throw new AppError('UNAVAILABLE', 'The console is not in sync with the CAD yet; re-confirm once the CAD link is back and synchronised.');
      if (!(await deps.store.release(id, { ...entry.payload, [CAD_EPOCH_FIELD]: epoch }))) throw new AppError('NOT_FOUND', `Held message ${id} was decided by someone else.`);
      audit(entry, 'confirmed', by, epoch);
      deps.rewind();
      deps.onChange();
      return { outbox_id: id, status: 'pending' as const, epoch };
    },
    async discard(id, by) {
      const entry = await find(id);
      if (!(await deps.store.discardHeld(id, by))) throw new AppError('NOT_FOUND', `Held message ${id} was decided by someone else.`);
      audit(entry, 'discarded', by, null);
      deps.onChange();
      return { outbox_id: id, status: 'discarded' as const };
    }
  };
}
