import { OperatorRoleSchema } from '../../../shared/roles';
import { AppError } from '../../core/errors';
import { clusterPostgresUrl, openAccountStore, type AccountStore } from '../accountStore';
import { parseFlags, readStdin, UsageError } from '../args';
import type { CliCommand } from '../command';

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

async function runSub(sub: Sub, accounts: AccountStore, v: { username?: string; role?: string }): Promise<string> {
  const store = accounts.operators;
  const revoke = (reason: string) => accounts.revoke('subject', v.username!, reason);
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
    const accounts = await openAccountStore(v['data-dir'], clusterPostgresUrl(v['postgres-url']));
    try {
      process.stdout.write(await runSub(sub as Sub, accounts, v));
      return 0;
    } finally {
      await accounts.close();
    }
  }
};
