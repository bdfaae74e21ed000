import { z } from 'zod';
import { method } from './define';
import { OperatorRoleSchema } from '../roles';

const ADMIN = ['admin'] as const;
const username = z.string().min(1).max(64);

export const OperatorAccountSchema = z.object({ username: z.string(), role: OperatorRoleSchema, disabled: z.boolean() });
export const IssuedDeviceTokenSchema = z.object({
  jti: z.string(),
  subject: z.string(),
  role: z.string(),
  device_id: z.string().nullable(),
  device_type: z.string().nullable(),
  issued_by: z.string(),
  issued_at: z.string(),
  expires_at: z.string(),
  last_seen_at: z.string().nullable(),
  revoked: z.boolean()
});
export type IssuedDeviceToken = z.infer<typeof IssuedDeviceTokenSchema>;
export const LockoutSchema = z.object({ key: z.enum(['account', 'address']), id: z.string(), until: z.string(), failures: z.number().int() });

/** Account and token administration: the same powers as `switchboard user` and `switchboard token revoke`. */
export const adminMethods = {
  'admin.operators': method({
    summary: 'Operator accounts with their roles and whether they are disabled.',
    roles: ADMIN,
    input: z.object({}).strict(),
    output: z.object({ operators: z.array(OperatorAccountSchema), lockouts: z.array(LockoutSchema) })
  }),
  'admin.setOperatorDisabled': method({
    summary: "Disable (every open session ends at once) or re-enable an operator's account.",
    roles: ADMIN,
    input: z.object({ username, disabled: z.boolean() }).strict(),
    output: OperatorAccountSchema
  }),
  'admin.resetPassword': method({
    summary: "Set a new password for an operator (the policy applies); their open sessions end.",
    roles: ADMIN,
    input: z.object({ username, password: z.string().min(1).max(256) }).strict(),
    output: OperatorAccountSchema
  }),
  'admin.clearLockout': method({
    summary: 'Clear the sign-in lockout of an account or a client address.',
    roles: ADMIN,
    input: z.object({ id: z.string().min(1).max(128) }).strict(),
    output: z.object({ cleared: z.boolean() })
  }),
  'admin.revokeTokens': method({
    summary: 'Revoke one token (by id), every token of a subject, or of a device; open connections using them close at once.',
    roles: ADMIN,
    input: z.object({ kind: z.enum(['token', 'subject', 'device']), value: z.string().min(1).max(128), reason: z.string().max(200).optional() }).strict(),
    output: z.object({ revoked: z.literal(true), kind: z.enum(['token', 'subject', 'device']), value: z.string() })
  }),
  'admin.deviceTokens': method({
    summary: 'The registry of issued device tokens: who issued each, when, and when it was last seen.',
    roles: ADMIN,
    input: z.object({ limit: z.number().int().min(1).max(1000).default(200) }).strict(),
    output: z.object({ tokens: z.array(IssuedDeviceTokenSchema) })
  })
};
