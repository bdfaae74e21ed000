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

/*
 * The role sets, each named once. Every route, contract method, room rule and
 * hub handler uses these names, so who may do what reads the same everywhere.
 */

/** Roles that may read the whole socket log (the seed's "admin" endpoints). */
export const LOG_READER_ROLES: readonly Role[] = ['admin', 'supervisor', 'auditor'];
/** Operators who see and act on the live dispatch picture: the control-room floor (every operator but the auditor). */
export const DISPATCH_ROLES: readonly OperatorRole[] = ['dispatcher', 'supervisor', 'admin'];
/** Operators who change the centre's settings and registries. */
export const SUPERVISOR_ROLES: readonly OperatorRole[] = ['supervisor', 'admin'];
/** Who may publish about a hospital's own patients, staff and beds on the hub: its staff and the dispatch floor. */
export const HOSPITAL_STAFF_ROLES: readonly Role[] = ['hospital', ...DISPATCH_ROLES];
/** Who may send a unit's own CAD actions (position, status, times): its crew and the dispatch floor. */
export const CREW_ACTION_ROLES: readonly Role[] = ['crew', ...DISPATCH_ROLES];

export const isDispatchRole = (role: string): boolean => (DISPATCH_ROLES as readonly string[]).includes(role);
export const isHospitalStaffRole = (role: string): boolean => (HOSPITAL_STAFF_ROLES as readonly string[]).includes(role);

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
