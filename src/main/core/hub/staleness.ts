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

/** A reporter's last report as the cluster shares it. */
export interface Sighting {
  key: string;
  label: string;
  intervalMs: number;
  lastReport: number;
}

/** Cluster mode: the sightings every node shares (cluster/pgSightings.ts); each change of state is claimed by one node. */
export interface SharedSightings {
  /** Records these last reports; returns the keys that were stale and which this node brought back (it clears their alerts). */
  report(sightings: readonly Sighting[], now: number): Promise<string[]>;
  /** Reporters quiet past their interval as of `asOf`, cluster-wide, that this node marked stale (it raises their alerts). */
  claimStale(asOf: number): Promise<Sighting[]>;
}

const keyOf = (kind: 'crew' | 'device', id: string, deviceType?: string) => (kind === 'crew' ? `unit:${id}` : `device:${deviceType ?? 'unknown'}:${id}`);

/**
 * Knows how often each device and crew is expected to report and raises a
 * device_stale alert when one goes quiet past that (it clears on the next report).
 */
export function createStalenessWatchdog(config: HubConfig, alerts: AlertCenter, shared?: SharedSightings, onSyncError?: (err: unknown) => void): StalenessWatchdog {
  const watched = new Map<string, Watched>();
  const reportedSinceSync = new Set<string>();
  let syncing = false;
  const intervals = { ...DEFAULT_REPORTING_INTERVALS, ...config.reportingIntervalSeconds };
  const intervalFor = (kind: 'crew' | 'device', deviceType?: string) =>
    ((deviceType && intervals[deviceType]) || intervals[kind] || 60) * 1000 * config.staleAfterIntervals;

  const watchdog: StalenessWatchdog = {
    report(kind, id, deviceType) {
      const key = keyOf(kind, id, deviceType);
      const entry = watched.get(key);
      const now = Date.now();
      if (shared) reportedSinceSync.add(key);
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
      if (entry.stale && !shared) {
        entry.stale = false;
        alerts.clear(`stale:${key}`, 'hub');
      }
    },
    isStale(kind, id, deviceType) {
      const entry = watched.get(keyOf(kind, id, deviceType));
      // Cluster mode: another node may have claimed the alert; this node judges its own reporters by their last report.
      return Boolean(entry && (entry.stale || (shared && Date.now() - entry.lastReport > entry.intervalMs)));
    },
    check(now = Date.now()) {
      if (shared) {
        void syncShared(shared, now);
        return;
      }
      for (const entry of watched.values()) {
        if (entry.stale || now - entry.lastReport <= entry.intervalMs) continue;
        entry.stale = true;
        raiseStale(entry, now);
      }
    },
    close: () => clearInterval(timer)
  };
  const raiseStale = (entry: Sighting, now: number) =>
    alerts.raise({
      key: `stale:${entry.key}`,
      kind: 'device_stale',
      severity: 'warning',
      title: `${entry.label} has gone quiet`,
      message: `${entry.label} last reported ${Math.round((now - entry.lastReport) / 1000)} s ago (expected at least every ${Math.round(entry.intervalMs / 1000 / config.staleAfterIntervals)} s).`,
      source: 'hub',
      data: { reporter: entry.key, last_report: new Date(entry.lastReport).toISOString() }
    });
  // One sync at a time; reports that arrive meanwhile wait for the next tick.
  const syncShared = async (sightings: SharedSightings, now: number) => {
    if (syncing) return;
    syncing = true;
    try {
      const batch = [...reportedSinceSync].flatMap((key) => watched.get(key) ?? []);
      reportedSinceSync.clear();
      for (const key of await sightings.report(batch, now)) {
        const entry = watched.get(key);
        if (entry) entry.stale = false;
        alerts.clear(`stale:${key}`, 'hub');
      }
      // A report reaches PostgreSQL up to one tick after it arrived (at its node's next sync): judged one tick back, a device that moved nodes is not called quiet in that gap.
      for (const quiet of await sightings.claimStale(now - config.staleCheckSeconds * 1000)) {
        const entry = watched.get(quiet.key);
        if (entry) entry.stale = true;
        raiseStale(quiet, now);
      }
    } catch (err) {
      onSyncError?.(err);
    } finally {
      syncing = false;
    }
  };
  const timer = setInterval(() => watchdog.check(), config.staleCheckSeconds * 1000);
  timer.unref();
  return watchdog;
}
