import os from 'node:os';
import path from 'node:path';
import { IdentitySchema, RoleSchema } from '../../../shared/roles';
import { readOrCreateSecret } from '../../core/auth/secretFile';
import { recordIssuedToken } from '../../core/auth/deviceRegistry';
import { createTokenService, DEFAULT_TOKEN_LIFETIMES, maxTtlFor } from '../../core/auth/tokens';
import { describeIssues } from '../../core/errors';
import { clusterPostgresUrl, openAccountStore } from '../accountStore';
import { parseFlags, UsageError } from '../args';
import type { CliCommand } from '../command';
import { defaultDataDir } from './serve';

export const tokenCommand: CliCommand = {
  name: 'token',
  summary: 'Print a JWT for a field device or a test client (recorded in the device registry); `token revoke` revokes.',
  usage:
    'switchboard token revoke --id TOKEN_ID | --sub SUBJECT | --device DEVICE_ID [--reason TEXT] [--data-dir DIR | --postgres-url URL]\n       switchboard token --role patient|hospital|crew|device|dispatcher|supervisor|admin|auditor --sub ID [--hospital-id H] [--patient-id P] [--unit-id U] [--device-id D --device-type T] [--ttl SECONDS] [--data-dir DIR | --postgres-url URL]',
  async run(argv) {
    if (argv[0] === 'revoke') return revokeTokens(argv.slice(1));
    const v = parseFlags(argv, {
      role: { type: 'string' },
      sub: { type: 'string' },
      'hospital-id': { type: 'string' },
      'patient-id': { type: 'string' },
      'unit-id': { type: 'string' },
      'device-id': { type: 'string' },
      'device-type': { type: 'string' },
      ttl: { type: 'string', default: '86400' },
      'data-dir': { type: 'string' },
      'postgres-url': { type: 'string' }
    });
    if (!v.role || !v.sub) throw new UsageError('--role and --sub are required.');
    if (!RoleSchema.safeParse(v.role).success) throw new UsageError(`--role must be one of ${RoleSchema.options.join(', ')}.`);
    const ttl = Number(v.ttl);
    if (!Number.isInteger(ttl) || ttl <= 0) throw new UsageError('--ttl must be a positive number of seconds.');
    const identity = IdentitySchema.safeParse({
      sub: v.sub,
      role: v.role,
      hospital_id: v['hospital-id'],
      patient_id: v['patient-id'],
      unit_id: v['unit-id'],
      device_id: v['device-id'],
      device_type: v['device-type']
    });
    if (!identity.success) throw new UsageError(describeIssues(identity.error.issues));
    const dataDir = path.resolve(v['data-dir'] ?? defaultDataDir());
    const secret = process.env.SWITCHBOARD_JWT_SECRET ?? readOrCreateSecret(dataDir, 'jwt.secret');
    const lifetimes = DEFAULT_TOKEN_LIFETIMES;
    if (ttl > maxTtlFor(identity.data.role, lifetimes)) {
      throw new UsageError(`--ttl must be at most ${maxTtlFor(identity.data.role, lifetimes)} seconds for a ${identity.data.role} token.`);
    }
    const issued = await createTokenService(secret, lifetimes).sign(identity.data, ttl);
    const accounts = await openAccountStore(dataDir, clusterPostgresUrl(v['postgres-url']));
    try {
      // The registry lets an admin find this token later (a lost tablet) and revoke it.
      await recordIssuedToken(accounts.db, { jti: issued.jti, identity: identity.data, issuedBy: `cli:${os.userInfo().username}`, expiresAt: issued.expiresAt });
    } finally {
      await accounts.close();
    }
    process.stdout.write(issued.token + '\n');
    process.stderr.write(`token id ${issued.jti}, expires ${issued.expiresAt.toISOString()} (revoke with: switchboard token revoke --id ${issued.jti})\n`);
    return 0;
  }
};

/** `token revoke --id J | --sub S | --device D`: a running server closes the connections within a second. */
async function revokeTokens(argv: string[]): Promise<number> {
  const v = parseFlags(argv, { id: { type: 'string' }, sub: { type: 'string' }, device: { type: 'string' }, reason: { type: 'string' }, 'data-dir': { type: 'string' }, 'postgres-url': { type: 'string' } });
  const given = (['id', 'sub', 'device'] as const).filter((k) => v[k] !== undefined);
  if (given.length !== 1) throw new UsageError('Give exactly one of --id TOKEN_ID, --sub SUBJECT or --device DEVICE_ID.');
  const key = given[0]!;
  const kind = key === 'id' ? 'token' : key === 'sub' ? 'subject' : 'device';
  const accounts = await openAccountStore(v['data-dir'], clusterPostgresUrl(v['postgres-url']));
  try {
    await accounts.revoke(kind, v[key]!, v.reason ?? null);
  } finally {
    await accounts.close();
  }
  process.stdout.write(`Revoked ${kind} ${v[key]!}: tokens issued until now are refused, and open connections using them are closed.\n`);
  return 0;
}
