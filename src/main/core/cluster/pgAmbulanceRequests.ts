import { sql } from 'kysely';
import type { Logger } from 'pino';
import { AmbulanceRequestRecordSchema, type AmbulanceRequestRecord } from '../../../shared/contract/hub';
import type { AmbulanceRequests, AmbulanceRequestStore } from '../hospitals/ambulanceRequests';
import type { PgDatabase } from '../log/storage/postgres/pgDatabase';
import { listenToChannel } from './pgListen';

const CHANNEL = 'switchboard_ambulance_requests';
/** How often each node looks for offers whose node died before their time-out fired. */
const SWEEP_MS = 1_000;

export interface PgAmbulanceRequests {
  store: AmbulanceRequestStore;
  /** Loads the requests in flight and follows the other nodes' changes and overdue offers. */
  follow(requests: AmbulanceRequests): Promise<void>;
  close(): Promise<void>;
}

/**
 * Ambulance requests in flight in the cluster's PostgreSQL (migration 004).
 *
 * The once-only rule for an offer: the node that made an offer sets its
 * time-out timer, and every node also sweeps for offers past their expiry (so
 * a request whose node died still moves on). The hospital's answer and every
 * time-out go through one conditional UPDATE that clears the offer's expiry
 * where the request is still pending at that attempt number; the one caller
 * that matches the row acts, every other finds nothing. The attempt number is
 * the fencing token: a late time-out of offer 1 cannot end offer 2. A row
 * claim was chosen over a lease per timer kind because offers are many and
 * independent and any node may hold the hospital's socket: a lease would make
 * one node the bottleneck and leave a gap of a lease's length after its death.
 */
export function pgAmbulanceRequests(pg: PgDatabase, options: { url: string; node: string; logger: Logger }): PgAmbulanceRequests {
  const { logger } = options;
  let queue: Promise<unknown> = Promise.resolve();
  // Saves and claims of this node run in call order: a claim never overtakes the save of the offer it claims.
  const serial = <T>(fn: () => Promise<T>): Promise<T> => {
    const next = queue.then(fn, fn);
    queue = next.catch(() => undefined);
    return next;
  };
  const parse = (body: string): AmbulanceRequestRecord | undefined => {
    try {
      return AmbulanceRequestRecordSchema.parse(JSON.parse(body));
    } catch {
      logger.warn('a stored ambulance request could not be read; it is skipped');
      return undefined;
    }
  };
  const select = async (where: ReturnType<typeof sql>) => {
    const result = await sql<{ body: string }>`SELECT body FROM ambulance_requests WHERE ${where}`.execute(pg.db);
    return result.rows.map((r) => parse(r.body)).filter((r): r is AmbulanceRequestRecord => r !== undefined);
  };
  const closers: Array<() => Promise<void> | void> = [];

  const store: AmbulanceRequestStore = {
    save(request, offerExpiresAt) {
      const body = JSON.stringify(request);
      void serial(async () => {
        // A node's late save of an older attempt never overwrites a newer one.
        await sql`INSERT INTO ambulance_requests (id, patient_id, status, created_at, attempt, offer_hospital_id, offer_expires_at, body)
          VALUES (${request.id}, ${request.patient_id}, ${request.status}, ${request.created_at}, ${request.attempts.length}, ${request.hospital_id}, ${offerExpiresAt}, ${body})
          ON CONFLICT (id) DO UPDATE SET status = excluded.status, attempt = excluded.attempt, offer_hospital_id = excluded.offer_hospital_id,
            offer_expires_at = excluded.offer_expires_at, body = excluded.body
          WHERE ambulance_requests.attempt <= excluded.attempt`.execute(pg.db);
        await sql`SELECT pg_notify(${CHANNEL}, ${JSON.stringify({ node: options.node, id: request.id })})`.execute(pg.db);
      }).catch((err: unknown) => logger.error({ err, request: request.id }, 'ambulance request not saved to PostgreSQL'));
    },
    async load(id) {
      await serial(async () => undefined);
      return (await select(sql`id = ${id}`))[0];
    },
    claimOffer: (id, attempt, by) =>
      serial(async () => {
        // A time-out is judged on the database's clock, so a node whose clock runs ahead cannot end an offer early.
        const expired = by === 'timeout' ? sql`AND offer_expires_at <= now()` : sql``;
        const won = await sql`UPDATE ambulance_requests SET offer_expires_at = NULL
          WHERE id = ${id} AND attempt = ${attempt} AND status = 'pending' AND offer_expires_at IS NOT NULL ${expired} RETURNING id`.execute(pg.db);
        return won.rows.length === 1;
      })
  };

  return {
    store,
    async follow(requests) {
      for (const request of await select(sql`status = 'pending'`)) requests.adopt(request);
      const listener = await listenToChannel({
        url: options.url,
        channel: CHANNEL,
        applicationName: `switchboard ${options.node} ambulance`,
        logger,
        onNews(payload) {
          let notice: { node?: unknown; id?: unknown } = {};
          try {
            notice = payload ? (JSON.parse(payload) as typeof notice) : {};
          } catch {
            return;
          }
          if (notice.node === options.node || typeof notice.id !== 'string') return;
          store
            .load(notice.id)
            .then((request) => request && requests.adopt(request))
            .catch((err: unknown) => logger.warn({ err }, 'could not read an ambulance request another node changed'));
        }
      });
      closers.push(() => listener.close());
      let sweeping = false;
      const sweep = setInterval(() => {
        if (sweeping) return;
        sweeping = true;
        select(sql`status = 'pending' AND offer_expires_at < now()`)
          .then((overdue) => overdue.forEach((request) => requests.adopt(request, { expired: true })))
          .catch((err: unknown) => logger.warn({ err }, 'could not sweep for overdue ambulance offers'))
          .finally(() => (sweeping = false));
      }, SWEEP_MS);
      sweep.unref();
      closers.push(() => clearInterval(sweep));
    },
    async close() {
      for (const close of closers.reverse()) await close();
      await queue;
    }
  };
}
