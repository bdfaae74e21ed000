import pg from 'pg';
import type { Logger } from 'pino';

export interface PgListener {
  close(): Promise<void>;
}

const RECONNECT_MS = 1_000;

/**
 * LISTENs on a PostgreSQL channel on a connection of its own (a pooled one
 * would be handed to other queries). Used for rare, small news (a revocation,
 * an alert changed): a NOTIFY is delivered at commit and costs a cluster-wide
 * lock per notifying commit, which is nothing at these rates but is why the
 * hot path (device events) never notifies. Not persisted: whoever uses it also
 * re-checks on a timer, so a notification lost while the connection was down
 * is caught up; `onNews` is also called after every (re)connect for that reason.
 */
export async function listenToChannel(options: { url: string; channel: string; applicationName: string; logger: Logger; onNews(payload: string): void }): Promise<PgListener> {
  let closed = false;
  let client: pg.Client | null = null;
  let retry: NodeJS.Timeout | null = null;
  const connect = async () => {
    const next = new pg.Client({ connectionString: options.url, application_name: options.applicationName, keepAlive: true, connectionTimeoutMillis: 5_000 });
    next.on('notification', (msg) => {
      if (msg.channel === options.channel) options.onNews(msg.payload ?? '');
    });
    const lost = (err?: Error) => {
      if (closed || client !== next) return;
      client = null;
      options.logger.warn({ err, channel: options.channel }, 'the PostgreSQL LISTEN connection dropped; reconnecting (a timer re-checks meanwhile)');
      next.end().catch(() => undefined);
      scheduleReconnect();
    };
    next.on('error', lost);
    next.on('end', () => lost());
    client = next;
    await next.connect();
    await next.query(`LISTEN ${pg.escapeIdentifier(options.channel)}`);
    options.onNews('');
  };
  const scheduleReconnect = () => {
    if (closed || retry) return;
    retry = setTimeout(() => {
      retry = null;
      connect().catch((err: unknown) => {
        client = null;
        options.logger.warn({ err, channel: options.channel }, 'could not LISTEN on PostgreSQL; retrying');
        scheduleReconnect();
      });
    }, RECONNECT_MS);
    retry.unref();
  };
  await connect();
  return {
    async close() {
      closed = true;
      if (retry) clearTimeout(retry);
      const current = client;
      client = null;
      await current?.end().catch(() => undefined);
    }
  };
}
