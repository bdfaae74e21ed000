import { sql } from 'kysely';
import type { SharedSightings, Sighting } from '../hub/staleness';
import type { PgDatabase } from '../log/storage/postgres/pgDatabase';

interface SightingRow {
  key: string;
  label: string;
  interval_ms: number;
  last_report_ms: number;
}

const toSighting = (r: SightingRow): Sighting => ({ key: r.key, label: r.label, intervalMs: r.interval_ms, lastReport: Number(r.last_report_ms) });

/**
 * The staleness watchdog's sightings shared by the nodes (migration 004): a
 * device may report to any node, so only the cluster-wide last report says it
 * went quiet. Each node writes its reporters' last reports in one statement per
 * watchdog tick (never per event). Going stale and coming back are both claimed
 * with a conditional UPDATE on the `stale` flag, so whichever node's tick sees
 * it first raises or clears the alert, and only that one: no leader or lease
 * is needed, and a node's death just leaves the next tick to another node.
 * Times are the reporting nodes' clocks (the same ones the watchdog has always
 * compared), kept apart from the database's.
 */
export function pgSightings(pg: PgDatabase): SharedSightings {
  return {
    async report(sightings, now) {
      if (!sightings.length) return [];
      await sql`INSERT INTO reporter_sightings (key, label, interval_ms, last_report)
        SELECT k, l, i, to_timestamp(t / 1000.0) FROM unnest(${sightings.map((s) => s.key)}::text[], ${sightings.map((s) => s.label)}::text[],
          ${sightings.map((s) => s.intervalMs)}::int[], ${sightings.map((s) => s.lastReport)}::float8[]) AS u(k, l, i, t)
        ON CONFLICT (key) DO UPDATE SET label = excluded.label, interval_ms = excluded.interval_ms,
          last_report = GREATEST(reporter_sightings.last_report, excluded.last_report)`.execute(pg.db);
      const fresh = await sql<{ key: string }>`UPDATE reporter_sightings SET stale = false
        WHERE key = ANY(${sightings.map((s) => s.key)}) AND stale AND last_report >= to_timestamp(${now} / 1000.0) - interval_ms * interval '1 millisecond'
        RETURNING key`.execute(pg.db);
      return fresh.rows.map((r) => r.key);
    },
    async claimStale(asOf) {
      const claimed = await sql<SightingRow>`UPDATE reporter_sightings SET stale = true
        WHERE NOT stale AND last_report < to_timestamp(${asOf} / 1000.0) - interval_ms * interval '1 millisecond'
        RETURNING key, label, interval_ms, (extract(epoch FROM last_report) * 1000)::float8 AS last_report_ms`.execute(pg.db);
      return claimed.rows.map(toSighting);
    }
  };
}
