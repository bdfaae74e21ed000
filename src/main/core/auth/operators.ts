import { randomBytes, scrypt as scryptCb, timingSafeEqual } from 'node:crypto';
import { promisify } from 'node:util';
import type { Kysely } from 'kysely';
import { OperatorRoleSchema, type OperatorRole } from '../../../shared/roles';
import type { DatabaseSchema } from '../db/schema';
import { AppError } from '../errors';
import { assertPasswordAllowed, DEFAULT_PASSWORD_POLICY, type PasswordPolicy } from './passwordPolicy';

const scrypt = promisify(scryptCb) as (pw: string, salt: Buffer, len: number, opts: object) => Promise<Buffer>;
const SCRYPT = { N: 16384, r: 8, p: 1, maxmem: 64 * 1024 * 1024 };
const KEY_LEN = 32;

export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16);
  const key = await scrypt(password, salt, KEY_LEN, SCRYPT);
  return `scrypt$${SCRYPT.N}$${SCRYPT.r}$${SCRYPT.p}$${salt.toString('base64')}$${key.toString('base64')}`;
}

export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const [scheme, n, r, p, salt, key] = stored.split('$');
  if (scheme !== 'scrypt' || !salt || !key) return false;
  const expected = Buffer.from(key, 'base64');
  const actual = await scrypt(password, Buffer.from(salt, 'base64'), expected.length, {
    N: Number(n),
    r: Number(r),
    p: Number(p),
    maxmem: SCRYPT.maxmem
  });
  return timingSafeEqual(actual, expected);
}

export const USERNAME_PATTERN = /^[a-z0-9][a-z0-9._-]{1,63}$/i;

export interface Operator {
  username: string;
  role: OperatorRole;
}

export interface OperatorListing extends Operator {
  disabled: boolean;
}

export interface OperatorStore {
  add(username: string, password: string, role: OperatorRole): Promise<Operator>;
  /** Returns the operator when the password matches; a wrong user or password look the same. */
  authenticate(username: string, password: string): Promise<Operator | null>;
  find(username: string): Promise<Operator | null>;
  list(): Promise<Operator[]>;
  listAll(): Promise<OperatorListing[]>;
  /** Disables or enables an account; NOT_FOUND for an unknown one, CONFLICT for the last enabled admin. Revoking its tokens is the caller's job (revocations). */
  setDisabled(username: string, disabled: boolean): Promise<Operator>;
  /** Sets a new password (checked against the policy). */
  resetPassword(username: string, password: string): Promise<Operator>;
}

export function createOperatorStore(db: Kysely<DatabaseSchema>, policy: PasswordPolicy = DEFAULT_PASSWORD_POLICY): OperatorStore {
  const existing = async (username: string) => {
    const row = await db.selectFrom('operators').select(['username', 'role']).where('username', '=', username).executeTakeFirst();
    if (!row) throw new AppError('NOT_FOUND', `No operator "${username.slice(0, 64)}".`);
    return { username: row.username, role: OperatorRoleSchema.parse(row.role) };
  };
  // A fixed hash to compare against when the user does not exist, so timing does not reveal usernames.
  const dummyHash = hashPassword('not-a-real-password');
  return {
    async add(username, password, role) {
      if (!USERNAME_PATTERN.test(username)) {
        throw new AppError('VALIDATION_FAILED', 'Username must be 2-64 letters, digits, dots, dashes or underscores.');
      }
      assertPasswordAllowed(password, username, policy);
      const parsedRole = OperatorRoleSchema.safeParse(role);
      if (!parsedRole.success) {
        throw new AppError('VALIDATION_FAILED', `Role must be one of ${OperatorRoleSchema.options.join(', ')}.`);
      }
      const existing = await db.selectFrom('operators').select('id').where('username', '=', username).executeTakeFirst();
      if (existing) throw new AppError('CONFLICT', `Operator "${username}" already exists.`);
      await db
        .insertInto('operators')
        .values({
          username,
          password_hash: await hashPassword(password),
          role: parsedRole.data,
          created_at: new Date().toISOString()
        })
        .execute();
      return { username, role: parsedRole.data };
    },
    async authenticate(username, password) {
      const row = await db
        .selectFrom('operators')
        .select(['username', 'role', 'password_hash', 'disabled'])
        .where('username', '=', username)
        .executeTakeFirst();
      if (!row || row.disabled) {
        await verifyPassword(password, await dummyHash);
        return null;
      }
      if (!(await verifyPassword(password, row.password_hash))) return null;
      return { username: row.username, role: OperatorRoleSchema.parse(row.role) };
    },
    async find(username) {
      const row = await db
        .selectFrom('operators')
        .select(['username', 'role', 'disabled'])
        .where('username', '=', username)
        .executeTakeFirst();
      return row && !row.disabled ? { username: row.username, role: OperatorRoleSchema.parse(row.role) } : null;
    },
    async listAll() {
      const rows = await db.selectFrom('operators').select(['username', 'role', 'disabled']).orderBy('username').execute();
      return rows.map((r) => ({ username: r.username, role: OperatorRoleSchema.parse(r.role), disabled: Boolean(r.disabled) }));
    },
    async setDisabled(username, disabled) {
      const operator = await existing(username);
      // Checked and written in one transaction, so two admins disabling each other cannot both succeed.
      await db.transaction().execute(async (trx) => {
        if (disabled && operator.role === 'admin') {
          // A no-op write to every admin row first: SQLite serialises writing transactions anyway, but PostgreSQL
          // (cluster mode, read committed) would let both counts below pass before either write; the row locks
          // make the second transaction wait and then count what the first committed.
          await trx.updateTable('operators').set((eb) => ({ disabled: eb.ref('disabled') })).where('role', '=', 'admin').execute();
          const others = await trx
            .selectFrom('operators')
            .select((eb) => eb.fn.countAll<number>().as('n'))
            .where('role', '=', 'admin')
            .where('disabled', '=', 0)
            .where('username', '!=', username)
            .executeTakeFirstOrThrow();
          if (Number(others.n) === 0) {
            throw new AppError('CONFLICT', `"${username.slice(0, 64)}" is the last enabled admin, so it stays enabled: enable or add another admin first, or nobody could administer the centre.`);
          }
        }
        await trx.updateTable('operators').set({ disabled: disabled ? 1 : 0 }).where('username', '=', username).execute();
      });
      return operator;
    },
    async resetPassword(username, password) {
      const operator = await existing(username);
      assertPasswordAllowed(password, username, policy);
      await db.updateTable('operators').set({ password_hash: await hashPassword(password) }).where('username', '=', username).execute();
      return operator;
    },
    async list() {
      const rows = await db.selectFrom('operators').select(['username', 'role']).orderBy('username').execute();
      return rows.map((r) => ({ username: r.username, role: OperatorRoleSchema.parse(r.role) }));
    }
  };
}
