import { z } from 'zod';

/** People who sign in to the console. */
export const OPERATOR_ROLES = ['dispatcher', 'supervisor', 'admin', 'auditor'] as const;
/** Things in the field that connect to the hub with a device token. */
export const FIELD_ROLES = ['patient', 'hospital', 'crew', 'device'] as const;
export const ROLES = [...OPERATOR_ROLES, ...FIELD_ROLES] as const;

export const OperatorRoleSchema = z.enum(OPERATOR_ROLES);
export const FieldRoleSchema = z.enum(FIELD_ROLES);
export const RoleSchema = z.enum(ROLES);

export type OperatorRole = z.infer<typeof OperatorRoleSchema>;
export type FieldRole = z.infer<typeof FieldRoleSchema>;
export type Role = z.infer<typeof RoleSchema>;

export const isOperatorRole = (role: string): role is OperatorRole =>
  (OPERATOR_ROLES as readonly string[]).includes(role);

/** Roles that may read the whole socket log (the seed's "admin" endpoints). */
export const LOG_READER_ROLES: readonly Role[] = ['admin', 'supervisor', 'auditor'];
/** Roles that see and act on the live dispatch picture. */
export const DISPATCH_ROLES: readonly Role[] = ['dispatcher', 'supervisor', 'admin'];

/** The identity a verified token or a console session carries. */
export const IdentitySchema = z.object({
  sub: z.string().min(1).max(128),
  role: RoleSchema,
  hospital_id: z.string().min(1).max(128).optional(),
  patient_id: z.string().min(1).max(128).optional(),
  unit_id: z.string().min(1).max(128).optional(),
  device_id: z.string().min(1).max(128).optional(),
  device_type: z.string().min(1).max(64).optional()
});
export type Identity = z.infer<typeof IdentitySchema>;
