import type { OperatorSession } from '../../../shared/contract/system';
import type { OperatorRole } from '../../../shared/roles';
import type { OperatorStore } from '../auth/operators';
import type { TokenService } from '../auth/tokens';
import type { ContractRegistry } from '../contract/registry';
import { AppError } from '../errors';

export interface SessionDeps {
  operators: OperatorStore;
  tokens: TokenService;
  ttlSeconds: number;
  onSignIn?(username: string, role: OperatorRole, transport: string): void;
}

/** Verifies a console session token and that its operator still exists. */
export async function resolveOperatorToken(
  deps: Pick<SessionDeps, 'operators' | 'tokens'>,
  token: string
): Promise<{ username: string; role: OperatorRole; expiresAt: Date }> {
  const identity = await deps.tokens.verify(token);
  const operator = await deps.operators.find(identity.sub);
  if (!operator || operator.role !== identity.role) {
    throw new AppError('UNAUTHENTICATED', 'This session does not belong to an active operator.');
  }
  const exp = (identity as { exp?: number }).exp;
  return { ...operator, expiresAt: exp ? new Date(exp * 1000) : new Date(Date.now() + 3600_000) };
}

/** Registers sign-in, resume and sign-out: the same on IPC and on the console namespace. */
export function registerSessionHandlers(api: ContractRegistry, deps: SessionDeps): void {
  const issue = async (username: string, role: OperatorRole): Promise<OperatorSession> => {
    const { token, expiresAt } = await deps.tokens.sign({ sub: username, role }, deps.ttlSeconds);
    return { token, username, role, expires_at: expiresAt.toISOString() };
  };
  api.handle('auth.signIn', async ({ username, password }, ctx) => {
    const operator = await deps.operators.authenticate(username, password);
    if (!operator) throw new AppError('UNAUTHENTICATED', 'Wrong username or password.');
    ctx.setSession?.(operator);
    deps.onSignIn?.(operator.username, operator.role, ctx.transport);
    return issue(operator.username, operator.role);
  });
  api.handle('auth.resume', async ({ token }, ctx) => {
    const operator = await resolveOperatorToken(deps, token);
    ctx.setSession?.({ username: operator.username, role: operator.role });
    return { token, username: operator.username, role: operator.role, expires_at: operator.expiresAt.toISOString() };
  });
  api.handle('auth.signOut', (_input, ctx) => {
    ctx.setSession?.(null);
    return { signed_out: true as const };
  });
}
