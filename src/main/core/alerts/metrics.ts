import { Gauge } from 'prom-client';
import type { MetricsRegistry } from '../metrics/registry';
import type { AlertCenter } from './alertCenter';

const SEVERITIES = ['critical', 'warning', 'info'] as const;

/** Open alerts by severity, counted at scrape time. */
export function registerAlertMetrics(registry: MetricsRegistry, alerts: Pick<AlertCenter, 'list'>): void {
  new Gauge({
    name: 'switchboard_alerts_open',
    help: 'Open alerts by severity.',
    labelNames: ['severity'],
    registers: [registry],
    collect() {
      const open = { critical: 0, warning: 0, info: 0 };
      for (const alert of alerts.list({ limit: 100_000 })) if (alert.severity in open) open[alert.severity as keyof typeof open]++;
      for (const severity of SEVERITIES) this.set({ severity }, open[severity]);
    }
  });
}
