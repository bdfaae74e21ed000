import os from 'node:os';
import path from 'node:path';
import { OperatorRoleSchema } from '../../../shared/roles';
import { Kysely, PostgresDialect } from 'kysely';
import pino from 'pino';
import { createOperatorStore, type OperatorStore } from '../../core/auth/operators';
import { sqliteRevocationRows, type RevocationRows } from '../../core/auth/revocations';
import { pgRevocationRows } from '../../core/cluster/pgRevocationRows';
import { openDatabase } from '../../core/db/database';
import type { DatabaseSchema } from '../../core/db/schema';
import { AppError } from '../../core/errors';
import { openPostgres } from '../../core/log/storage/postgres/pgDatabase';
import { checkPostgresSchema } from '../../core/log/storage/postgres/pgReady';
import { parseFlags, readStdin, UsageError } from '../args';
import type { CliCommand } from '../command';
import { defaultDataDir } from './serve';

const SUBCOMMANDS = ['add', 'list', 'disable', 'enable', 'reset-password'] as const;
type Sub = (typeof SUBCOMMANDS)[number];

/** AppErrors (a weak password, an unknown user) are the person's to fix: a usage error, not a stack trace. */
async function asUsage<T>(run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (err) {
    if (err instanceof AppError) throw new UsageError(err.message);
    throw err;
  }
}

/** Where the accounts live: a node's data directory, or a cluster's PostgreSQL (every node signs in from it). */
interface AccountStore {
  operators: OperatorStore;
  revocations: RevocationRows;
  close(): Promise<void>;
}

async function openAccounts(dataDirFlag: string | undefined, postgresUrl: string | undefined): Promise<AccountStore> {
  if (postgresUrl) {
    const pg = openPostgres(postgresUrl, { max: 2, applicationName: 'switchboard user' });
    try {
      await checkPostgresSchema(pg, postgresUrl);
    } catch (err) {
      await pg.close();
      throw new UsageError((err as Error).message);
    }
    // Shares pg's pool, which pg.close() ends.
    const db = new Kysely<DatabaseSchema>({ dialect: new PostgresDialect({ pool: pg.pool }) });
    return {
      operators: createOperatorStore(db),
      // Through the cluster's own append: ids visible in id order, running nodes told at once.
      revocations: pgRevocationRows(pg, { url: postgresUrl, node: 'cli', logger: pino({ level: 'silent' }) }),
      close: () => pg.close()
    };
  }
  const dataDir = path.resolve(dataDirFlag ?? defaultDataDir());
  try {
    const database = await openDatabase(dataDir);
    return { operators: createOperatorStore(database.db), revocations: sqliteRevocationRows(database.db), close: () => database.close() };
  } catch (err) {
    throw new UsageError(`Cannot open the data directory ${dataDir}: ${(err as Error).message}`);
  }
}

async function runSub(sub: Sub, accounts: AccountStore, v: { username?: string; role?: string }): Promise<string> {
  const store = accounts.operators;
  const revoke = (reason: string) =>
    accounts.revocations.append({ kind: 'subject', value: v.username!, issued_before: Math.floor(Date.now() / 1000), revoked_by: `cli:${os.userInfo().username}`, reason });
  if (sub === 'list') return (await store.listAll()).map((op) => `${op.username}\t${op.role}${op.disabled ? '\tdisabled' : ''}\n`).join('');
  if (!v.username) throw new UsageError('--username is required.');
  const username = v.username;
  if (sub === 'add') {
    if (!v.role) throw new UsageError('--username and --role are required.');
    const role = OperatorRoleSchema.safeParse(v.role);
    if (!role.success) throw new UsageError(`--role must be one of ${OperatorRoleSchema.options.join(', ')}.`);
    const password = await readStdin();
    await asUsage(() => store.add(username, password, role.data));
    return `Added ${role.data} "${username}".\n`;
  }
  if (sub === 'reset-password') {
    const password = await readStdin();
    await asUsage(() => store.resetPassword(username, password));
    await revoke('password reset');
    return `New password set for "${username}"; their open sessions end within a second on a running server.\n`;
  }
  const disabled = sub === 'disable';
  await asUsage(() => store.setDisabled(username, disabled));
  if (disabled) await revoke('account disabled');
  return disabled ? `Disabled "${username}": sign-in refused, open sessions end within a second on a running server.\n` : `Enabled "${username}".\n`;
}

export const userCommand: CliCommand = {
  name: 'user',
  summary: 'Manage operator accounts: add (password on stdin), list, disable, enable, reset-password (stdin).',
  usage:
    'switchboard user add --username NAME --role dispatcher|supervisor|admin|auditor [--data-dir DIR] < password\n' +
    '       switchboard user list [--data-dir DIR]\n' +
    '       switchboard user disable|enable --username NAME [--data-dir DIR]\n' +
    '       switchboard user reset-password --username NAME [--data-dir DIR] < password\n' +
    '  In a cluster, add --postgres-url URL (or SWITCHBOARD_CLUSTER=1 with SWITCHBOARD_POSTGRES_URL): accounts live in PostgreSQL.',
  async run(argv) {
    const [sub, ...rest] = argv;
    if (!SUBCOMMANDS.includes(sub as Sub)) throw new UsageError(`Use \`user ${SUBCOMMANDS.join('|')}\`.`);
    const v = parseFlags(rest, { username: { type: 'string' }, role: { type: 'string' }, 'data-dir': { type: 'string' }, 'postgres-url': { type: 'string' } });
    const clusterEnv = process.env.SWITCHBOARD_CLUSTER === '1' || process.env.SWITCHBOARD_CLUSTER === 'true';
    const postgresUrl = v['postgres-url'] ?? (clusterEnv ? process.env.SWITCHBOARD_POSTGRES_URL : undefined);
    const accounts = await openAccounts(v['data-dir'], postgresUrl);
    try {
      process.stdout.write(await runSub(sub as Sub, accounts, v));
      return 0;
    } finally {
      await accounts.close();
    }
  }
};
