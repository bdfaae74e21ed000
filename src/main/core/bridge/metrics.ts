import { Gauge } from 'prom-client';
import type { MetricsRegistry } from '../metrics/registry';
import type { Logger } from '../logger';
import type { BridgeHealth } from '../../../shared/contract/bridge';
import type { BridgeService } from './bridgeService';

/** The CAD link's state and outbox, read from the bridge's health at scrape time. */
export function registerBridgeMetrics(registry: MetricsRegistry, bridge: Pick<BridgeService, 'health'>, logger: Logger): void {
  // A scrape must answer even when the bridge cannot say how it is: its gauges then keep their last values.
  const health = (): BridgeHealth | null => {
    try {
      return bridge.health();
    } catch (err) {
      logger.warn({ err }, 'bridge health unavailable for metrics');
      return null;
    }
  };
  new Gauge({
    name: 'switchboard_bridge_connected',
    help: 'CAD bridge link up (1) or down (0).',
    registers: [registry],
    collect() {
      const h = health();
      if (h) this.set(h.bridge.connected ? 1 : 0);
    }
  });
  new Gauge({
    name: 'switchboard_bridge_state',
    help: 'CAD bridge status (1 for the current one).',
    labelNames: ['status'],
    registers: [registry],
    collect() {
      const current = health()?.status;
      if (current) for (const status of ['healthy', 'degraded', 'disconnected'] as const) this.set({ status }, current === status ? 1 : 0);
    }
  });
  new Gauge({
    name: 'switchboard_bridge_outbox_depth',
    help: 'Messages waiting in the bridge outbox.',
    registers: [registry],
    collect() {
      const h = health();
      if (h) this.set(h.bridge.outbox.pending);
    }
  });
  new Gauge({
    name: 'switchboard_bridge_outbox_rejected',
    help: 'Outbox messages the CAD rejected.',
    registers: [registry],
    collect() {
      const h = health();
      if (h) this.set(h.bridge.outbox.rejected);
    }
  });
}
