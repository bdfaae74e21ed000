import { Gauge } from 'prom-client';
import type { AlertCenter } from '../alerts/alertCenter';
import type { MetricsRegistry } from '../metrics/registry';
import type { Hub } from './hub';
import { registerRetainedGauges } from './retainedSizes';

/** The hub's gauges, read from its state at scrape time (nothing is counted per event for them). */
export function registerHubGauges(registry: MetricsRegistry, alerts: AlertCenter, hub: Hub): void {
  new Gauge({
    name: 'switchboard_hub_connections',
    help: 'Live hub connections by role and transport.',
    labelNames: ['role', 'transport'],
    registers: [registry],
    collect() {
      const counts = new Map<string, { role: string; transport: string; value: number }>();
      for (const conn of hub.registry.all()) {
        const key = `${conn.identity.role}|${conn.transport}`;
        const entry = counts.get(key);
        if (entry) entry.value++;
        else counts.set(key, { role: conn.identity.role, transport: conn.transport, value: 1 });
      }
      // Only the combinations live now: one that has emptied leaves the exposition.
      this.reset();
      for (const e of counts.values()) this.set({ role: e.role, transport: e.transport }, e.value);
    }
  });
  new Gauge({
    name: 'switchboard_hub_rooms_with_history',
    help: 'Rooms holding recent messages for resume.',
    registers: [registry],
    collect() {
      this.set(hub.history.roomCount());
    }
  });
  registerRetainedGauges(registry, alerts, hub);
}
