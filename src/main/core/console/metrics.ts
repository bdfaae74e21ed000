import { Gauge } from 'prom-client';
import type { MetricsRegistry } from '../metrics/registry';

/** Consoles connected over the /console namespace (Electron windows talk over IPC and are not counted). */
export function registerConsoleMetrics(registry: MetricsRegistry, consoleConnections: () => number): void {
  new Gauge({
    name: 'switchboard_console_connections',
    help: 'Consoles connected to the core over the /console Socket.IO namespace.',
    registers: [registry],
    collect() {
      this.set(consoleConnections());
    }
  });
}
