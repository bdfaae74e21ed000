import type { CadInboundEvent, CadOutboundBodyInput, CadOutboundEvent } from '../../../shared/cad';
import type { BridgeHealth } from '../../../shared/contract/bridge';
import type { OutboxReceipt } from '../../../shared/contract/dispatch';
import type { DeliveryStats } from './delivery';
import type { HeldMessages } from './heldMessages';
import type { InboundHandler, InboundStats } from './inbound';

export interface SendOptions {
  idempotencyKey?: string;
  /** Who asked (operator username or token subject), kept with the outbox row. */
  requestedBy?: string | null;
}

export interface BridgeService {
  health(): BridgeHealth;
  /** Queues one outbound message durably; it is delivered when the CAD is reachable. */
  send<E extends CadOutboundEvent>(event: E, body: CadOutboundBodyInput<E>, options?: SendOptions): Promise<OutboxReceipt>;
  on<E extends CadInboundEvent>(event: E, handler: InboundHandler<E>): () => void;
  reconnect(): BridgeHealth;
  configure(target: { url: string; token?: string }): BridgeHealth;
  stats(): { inbound: InboundStats; delivery: DeliveryStats; resyncs: number; gaps: number };
  /** Messages held after a CAD epoch change, and a dispatcher's decision on each. */
  held: HeldMessages;
}
