import type { Generated } from 'kysely';

/**
 * `held`: bound to a CAD epoch that is no longer the CAD's (it restarted and
 * its ids may mean other things now); waits for a dispatcher to re-confirm
 * (back to `pending`) or discard it (`discarded`).
 */
export type OutboxStatus = 'pending' | 'delivered' | 'rejected' | 'held' | 'discarded';

export interface BridgeOutboxTable {
  id: Generated<number>;
  idempotency_key: string;
  event: string;
  /** The wire payload as JSON (includes the idempotency key). */
  payload: string;
  status: Generated<OutboxStatus>;
  attempts: Generated<number>;
  requested_by: string | null;
  created_at: string;
  delivered_at: string | null;
  last_error: string | null;
}

export interface BridgeTables {
  bridge_outbox: BridgeOutboxTable;
}
