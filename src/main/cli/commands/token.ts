import path from 'node:path';
import { IdentitySchema, RoleSchema } from '../../../shared/roles';
import { readOrCreateSecret } from '../../core/auth/secretFile';
import { createTokenService } from '../../core/auth/tokens';
import { describeIssues } from '../../core/errors';
import { parseFlags, UsageError } from '../args';
import type { CliCommand } from '../command';
import { defaultDataDir } from './serve';

export const tokenCommand: CliCommand = {
  name: 'token',
  summary: 'Print a JWT for a field device or a test client.',
  usage:
    'switchboard token --role patient|hospital|crew|device|dispatcher|supervisor|admin|auditor --sub ID [--hospital-id H] [--patient-id P] [--unit-id U] [--device-id D --device-type T] [--ttl SECONDS] [--data-dir DIR]',
  async run(argv) {
    const v = parseFlags(argv, {
      role: { type: 'string' },
      sub: { type: 'string' },
      'hospital-id': { type: 'string' },
      'patient-id': { type: 'string' },
      'unit-id': { type: 'string' },
      'device-id': { type: 'string' },
      'device-type': { type: 'string' },
      ttl: { type: 'string', default: '86400' },
      'data-dir': { type: 'string' }
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
    const { token } = await createTokenService(secret).sign(identity.data, ttl);
    process.stdout.write(token + '\n');
    return 0;
  }
};
