import type { Generated } from 'kysely';

export type OutboxStatus = 'pending' | 'delivered' | 'rejected';

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
