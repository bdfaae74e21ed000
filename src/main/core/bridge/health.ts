import type { BridgeHealth } from '../../../shared/contract/bridge';
import type { OutboxCounts } from './outbox';
import { displayUrl, type LinkState } from './link';

export interface HealthInputs {
  link: LinkState;
  url: string | null;
  resyncing: boolean;
  deliveryStalled: boolean;
  handlers: number;
  lastEventAt: string | null;
  outbox: OutboxCounts;
  /** Cluster mode: this node, and the node holding the CAD link. */
  cluster?: BridgeHealth['cluster'];
  now?: Date;
}

/**
 * The seed's health body. `degraded` means connected but not yet trustworthy:
 * the picture is being resynchronised or the CAD stopped acknowledging.
 */
export function buildHealth(input: HealthInputs): BridgeHealth {
  const now = input.now ?? new Date();
  const { link } = input;
  const status = !link.connected ? 'disconnected' : input.resyncing || input.deliveryStalled ? 'degraded' : 'healthy';
  return {
    status,
    bridge: {
      connected: link.connected,
      cad_url: displayUrl(input.url),
      last_connection: link.lastConnection,
      connection_attempts: link.attempts,
      last_error: link.lastError,
      event_handlers_registered: input.handlers,
      uptime_seconds: link.connectedSince ? Math.max(0, Math.round((now.getTime() - link.connectedSince) / 1000)) : 0,
      resyncing: input.resyncing,
      last_event_at: input.lastEventAt,
      next_retry_at: link.nextRetryAt,
      outbox: {
        pending: input.outbox.pending,
        rejected: input.outbox.rejected,
        held: input.outbox.held,
        oldest_pending_at: input.outbox.oldestPendingAt
      }
    },
    ...(input.cluster ? { cluster: input.cluster } : {}),
    timestamp: now.toISOString()
  };
}
