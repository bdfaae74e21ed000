import type { AlertCenter } from '../alerts/alertCenter';
import { DEFAULT_REPORTING_INTERVALS, type HubConfig } from './hubConfig';

interface Watched {
  key: string;
  label: string;
  intervalMs: number;
  lastReport: number;
  stale: boolean;
}

export interface StalenessWatchdog {
  /** A device or crew reported: it is fresh again (its stale alert clears). */
  report(kind: 'crew' | 'device', id: string, deviceType?: string): void;
  isStale(kind: 'crew' | 'device', id: string, deviceType?: string): boolean;
  /** Checks every watched reporter; called on a timer. */
  check(now?: number): void;
  close(): void;
}

const keyOf = (kind: 'crew' | 'device', id: string, deviceType?: string) => (kind === 'crew' ? `unit:${id}` : `device:${deviceType ?? 'unknown'}:${id}`);

/**
 * Knows how often each device and crew is expected to report and raises a
 * device_stale alert when one goes quiet past that (it clears on the next report).
 */
export function createStalenessWatchdog(config: HubConfig, alerts: AlertCenter): StalenessWatchdog {
  const watched = new Map<string, Watched>();
  const intervals = { ...DEFAULT_REPORTING_INTERVALS, ...config.reportingIntervalSeconds };
  const intervalFor = (kind: 'crew' | 'device', deviceType?: string) =>
    ((deviceType && intervals[deviceType]) || intervals[kind] || 60) * 1000 * config.staleAfterIntervals;

  const watchdog: StalenessWatchdog = {
    report(kind, id, deviceType) {
      const key = keyOf(kind, id, deviceType);
      const entry = watched.get(key);
      const now = Date.now();
      if (!entry) {
        watched.set(key, {
          key,
          label: kind === 'crew' ? `Unit ${id}` : `Device ${deviceType ?? ''} ${id}`.replace(/\s+/g, ' '),
          intervalMs: intervalFor(kind, deviceType),
          lastReport: now,
          stale: false
        });
        return;
      }
      entry.lastReport = now;
      if (entry.stale) {
        entry.stale = false;
        alerts.clear(`stale:${key}`, 'hub');
      }
    },
    isStale: (kind, id, deviceType) => watched.get(keyOf(kind, id, deviceType))?.stale ?? false,
    check(now = Date.now()) {
      for (const entry of watched.values()) {
        if (entry.stale || now - entry.lastReport <= entry.intervalMs) continue;
        entry.stale = true;
        alerts.raise({
          key: `stale:${entry.key}`,
          kind: 'device_stale',
          severity: 'warning',
          title: `${entry.label} has gone quiet`,
          message: `${entry.label} last reported ${Math.round((now - entry.lastReport) / 1000)} s ago (expected at least every ${Math.round(entry.intervalMs / 1000 / config.staleAfterIntervals)} s).`,
          source: 'hub',
          data: { reporter: entry.key, last_report: new Date(entry.lastReport).toISOString() }
        });
      }
    },
    close: () => clearInterval(timer)
  };
  const timer = setInterval(() => watchdog.check(), config.staleCheckSeconds * 1000);
  timer.unref();
  return watchdog;
}
