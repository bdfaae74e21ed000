import path from 'node:path';
import { OperatorRoleSchema } from '../../../shared/roles';
import { createOperatorStore } from '../../core/auth/operators';
import { openDatabase } from '../../core/db/database';
import { AppError } from '../../core/errors';
import { parseFlags, readStdin, UsageError } from '../args';
import type { CliCommand } from '../command';
import { defaultDataDir } from './serve';

export const userCommand: CliCommand = {
  name: 'user',
  summary: 'Manage operator accounts: `user add` (password on stdin), `user list`.',
  usage: 'switchboard user add --username NAME --role dispatcher|supervisor|admin|auditor [--data-dir DIR] < password\n       switchboard user list [--data-dir DIR]',
  async run(argv) {
    const [sub, ...rest] = argv;
    if (sub !== 'add' && sub !== 'list') throw new UsageError('Use `user add` or `user list`.');
    const v = parseFlags(rest, { username: { type: 'string' }, role: { type: 'string' }, 'data-dir': { type: 'string' } });
    const database = await openDatabase(path.resolve(v['data-dir'] ?? defaultDataDir()));
    try {
      const store = createOperatorStore(database.db);
      if (sub === 'list') {
        for (const op of await store.list()) process.stdout.write(`${op.username}\t${op.role}\n`);
        return 0;
      }
      if (!v.username || !v.role) throw new UsageError('--username and --role are required.');
      const role = OperatorRoleSchema.safeParse(v.role);
      if (!role.success) throw new UsageError(`--role must be one of ${OperatorRoleSchema.options.join(', ')}.`);
      const password = await readStdin();
      try {
        await store.add(v.username, password, role.data);
      } catch (err) {
        if (err instanceof AppError) throw new UsageError(err.message);
        throw err;
      }
      process.stdout.write(`Added ${role.data} "${v.username}".\n`);
      return 0;
    } finally {
      await database.close();
    }
  }
};
