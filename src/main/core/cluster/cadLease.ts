import type { Logger } from 'pino';
import type { PgDatabase } from '../log/storage/postgres/pgDatabase';

/** The lease that names the one node holding the CAD link. */
export const CAD_LEASE = 'cad-link';

export interface LeaseState {
  held: boolean;
  /** The fencing token: grows by one each time the lease changes hands. */
  epoch: number | null;
}

export interface Lease {
  /** Whether this node holds the lease now (false as soon as a renewal is overdue, before anyone else can take it). */
  state(): LeaseState;
  /** Tries to take or renew it now (the timer does this every renewMs). */
  tick(): Promise<LeaseState>;
  /** Stops renewing; `release` gives it up at once so another node need not wait for the expiry. */
  close(options?: { release?: boolean }): Promise<void>;
}

export interface LeaseOptions {
  pg: PgDatabase;
  name: string;
  /** This node's name and incarnation (a restarted node is a new holder, with a new epoch). */
  holder: string;
  incarnation: string;
  ttlMs: number;
  renewMs: number;
  logger: Logger;
  onChange?(state: LeaseState): void;
}

/**
 * A lease row in PostgreSQL, taken or renewed with one statement judged on the
 * database's clock (no two machines' clocks are compared). Another node may take
 * it only once it expired, and taking it bumps the epoch: every outbox change
 * carries the epoch, and the database refuses one whose epoch is not the
 * current holder's (pgOutbox.ts). A session advisory lock was rejected: it frees
 * only when TCP notices the dead peer, which takes hours under a partition.
 *
 * Locally the holder stops acting once `ttlMs - renewMs` has passed since its
 * last successful renewal was sent, so it lets go before the row can expire.
 */
export function startLease(options: LeaseOptions): Lease {
  const { pool } = options.pg;
  let state: LeaseState = { held: false, epoch: null };
  let validUntil = 0;
  let running: Promise<LeaseState> | null = null;
  const set = (next: LeaseState) => {
    const changed = next.held !== state.held || next.epoch !== state.epoch;
    state = next;
    if (changed) {
      options.logger.info({ lease: options.name, ...next }, next.held ? 'this node holds the lease' : 'this node does not hold the lease');
      options.onChange?.(next);
    }
    return next;
  };
  const attempt = async (): Promise<LeaseState> => {
    const sentAt = performance.now();
    try {
      const res = await pool.query<{ epoch: number }>(
        `INSERT INTO leases (name, holder, holder_incarnation, epoch, expires_at) VALUES ($1, $2, $3, 1, now() + $4 * interval '1 millisecond')
         ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, holder_incarnation = excluded.holder_incarnation,
           epoch = CASE WHEN leases.holder_incarnation = excluded.holder_incarnation THEN leases.epoch ELSE leases.epoch + 1 END,
           expires_at = excluded.expires_at
         WHERE leases.holder_incarnation = excluded.holder_incarnation OR leases.expires_at < now()
         RETURNING epoch`,
        [options.name, options.holder, options.incarnation, options.ttlMs]
      );
      const row = res.rows[0];
      if (!row) return set({ held: false, epoch: null });
      validUntil = sentAt + options.ttlMs - options.renewMs;
      return set({ held: true, epoch: row.epoch });
    } catch (err) {
      options.logger.warn({ err, lease: options.name }, 'lease renewal failed');
      return set(performance.now() < validUntil ? state : { held: false, epoch: null });
    }
  };
  const tick = () => {
    running ??= attempt().finally(() => (running = null));
    return running;
  };
  const timer = setInterval(() => void tick(), options.renewMs);
  timer.unref();
  void tick();
  return {
    state() {
      if (state.held && performance.now() >= validUntil) set({ held: false, epoch: null });
      return state;
    },
    tick,
    async close(closeOptions = {}) {
      clearInterval(timer);
      await running;
      if (closeOptions.release && state.held) {
        await pool
          .query('UPDATE leases SET expires_at = now() WHERE name = $1 AND holder_incarnation = $2', [options.name, options.incarnation])
          .catch(() => undefined);
      }
      set({ held: false, epoch: null });
    }
  };
}
