import { z } from 'zod';
import { event, method } from './define';
import { OperatorRoleSchema } from '../roles';

export const OperatorSessionSchema = z.object({
  token: z.string(),
  username: z.string(),
  role: OperatorRoleSchema,
  expires_at: z.string()
});
export type OperatorSession = z.infer<typeof OperatorSessionSchema>;

export const SystemInfoSchema = z.object({
  name: z.literal('switchboard'),
  version: z.string(),
  started_at: z.string(),
  /** Changes on every start of the core: a console that sees a new one reloads everything. */
  boot_id: z.string(),
  url: z.string(),
  data_dir: z.string(),
  transport: z.enum(['ipc', 'socket'])
});

export const systemMethods = {
  'auth.signIn': method({
    summary: 'Sign in an operator with username and password; returns a session token.',
    roles: 'public',
    input: z.object({ username: z.string().min(1).max(64), password: z.string().min(1).max(256) }),
    output: OperatorSessionSchema
  }),
  'auth.resume': method({
    summary: 'Resume a session from a token kept by the console (page reload, window reopen).',
    roles: 'public',
    input: z.object({ token: z.string().min(1).max(4096) }),
    output: OperatorSessionSchema
  }),
  'auth.renew': method({
    summary: 'A fresh session token for the signed-in operator, before the current one expires (no reload, no password).',
    roles: 'any',
    input: z.object({}).strict(),
    output: OperatorSessionSchema
  }),
  'auth.signOut': method({
    summary: 'End the current session on this transport.',
    roles: 'any',
    input: z.object({}).strict(),
    output: z.object({ signed_out: z.literal(true) })
  }),
  'system.info': method({
    summary: 'What this console is and where it runs.',
    roles: 'any',
    input: z.object({}).strict(),
    output: SystemInfoSchema
  })
};

export const systemEvents = {
  'system.heartbeat': event({
    summary: 'A tick every few seconds so the console can tell a silent core from a quiet one.',
    roles: 'any',
    payload: z.object({ at: z.string(), connections: z.number().int().nonnegative() })
  }),
  'auth.sessionEnded': event({
    summary: "This console's session was ended by the core (token revoked, operator disabled, or expired): it is signed out.",
    roles: 'any',
    payload: z.object({ reason: z.enum(['revoked', 'expired']), message: z.string() })
  })
};
