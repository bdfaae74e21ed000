import os from 'node:os';
import path from 'node:path';
import { Kysely, PostgresDialect } from 'kysely';
import pino from 'pino';
import { createOperatorStore, type OperatorStore } from '../core/auth/operators';
import { sqliteRevocationRows, type RevocationKind, type RevocationRows } from '../core/auth/revocations';
import { pgRevocationRows } from '../core/cluster/pgRevocationRows';
import { openDatabase } from '../core/db/database';
import type { DatabaseSchema } from '../core/db/schema';
import { openPostgres } from '../core/log/storage/postgres/pgDatabase';
import { checkPostgresSchema } from '../core/log/storage/postgres/pgReady';
import { UsageError } from './args';
import { defaultDataDir } from './commands/serve';

/**
 * Where accounts, issued device tokens and revocations live for the `user` and
 * `token` commands: a node's data directory, or a cluster's PostgreSQL (every
 * node signs in and checks revocations there; migration 004 keeps the SQLite
 * tables' shape, so the same store code runs on both).
 */
export interface AccountStore {
  db: Kysely<DatabaseSchema>;
  operators: OperatorStore;
  revocations: RevocationRows;
  /** Refuses every token of this kind and value issued until now; running servers close their connections. */
  revoke(kind: RevocationKind, value: string, reason: string | null): Promise<number>;
  close(): Promise<void>;
}

const revokerOf = (rows: RevocationRows): AccountStore['revoke'] => (kind, value, reason) =>
  rows.append({ kind, value, issued_before: Math.floor(Date.now() / 1000), revoked_by: `cli:${os.userInfo().username}`, reason });

/** `--postgres-url`, else SWITCHBOARD_POSTGRES_URL when SWITCHBOARD_CLUSTER is on; undefined: one node's data directory. */
export function clusterPostgresUrl(flag: string | undefined): string | undefined {
  const clusterEnv = process.env.SWITCHBOARD_CLUSTER === '1' || process.env.SWITCHBOARD_CLUSTER === 'true';
  return flag ?? (clusterEnv ? process.env.SWITCHBOARD_POSTGRES_URL : undefined);
}

export async function openAccountStore(dataDirFlag: string | undefined, postgresUrl: string | undefined): Promise<AccountStore> {
  if (postgresUrl) {
    const pg = openPostgres(postgresUrl, { max: 2, applicationName: 'switchboard cli' });
    try {
      await checkPostgresSchema(pg, postgresUrl);
    } catch (err) {
      await pg.close();
      throw new UsageError((err as Error).message);
    }
    // Shares pg's pool, which pg.close() ends.
    const db = new Kysely<DatabaseSchema>({ dialect: new PostgresDialect({ pool: pg.pool }) });
    // Through the cluster's own append: ids visible in id order, running nodes told at once.
    const revocations = pgRevocationRows(pg, { url: postgresUrl, node: 'cli', logger: pino({ level: 'silent' }) });
    return { db, operators: createOperatorStore(db), revocations, revoke: revokerOf(revocations), close: () => pg.close() };
  }
  const dataDir = path.resolve(dataDirFlag ?? defaultDataDir());
  try {
    const database = await openDatabase(dataDir);
    const revocations = sqliteRevocationRows(database.db);
    return { db: database.db, operators: createOperatorStore(database.db), revocations, revoke: revokerOf(revocations), close: () => database.close() };
  } catch (err) {
    throw new UsageError(`Cannot open the data directory ${dataDir}: ${(err as Error).message}`);
  }
}
