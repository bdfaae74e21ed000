import { sql } from 'kysely';
import type { PgDatabase } from '../log/storage/postgres/pgDatabase';

/**
 * Claims this period's run of a periodic job (log retention) for this node:
 * true for the one node whose tick comes first in the period, false for every
 * other node's tick. One conditional upsert on the job's row, judged on the
 * database's clock; a run claimed by a node that then dies is simply the next
 * period's (retention catches up on what it missed). The period is shortened a
 * little so that nodes' timers drifting apart never skip a period.
 */
export async function claimPeriodicRun(pg: PgDatabase, kind: string, periodMs: number, node: string): Promise<boolean> {
  const result = await sql`INSERT INTO timer_runs (kind, last_run_at, last_node) VALUES (${kind}, now(), ${node})
    ON CONFLICT (kind) DO UPDATE SET last_run_at = now(), last_node = excluded.last_node
    WHERE timer_runs.last_run_at <= now() - ${Math.round(periodMs * 0.9)} * interval '1 millisecond'
    RETURNING kind`.execute(pg.db);
  return result.rows.length === 1;
}
