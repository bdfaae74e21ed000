import type { OperatorSession } from '../../../shared/contract/system';
import type { OperatorRole } from '../../../shared/roles';
import type { OperatorStore } from '../auth/operators';
import type { RevocationStore } from '../auth/revocations';
import type { SignInThrottle, ThrottleVerdict } from '../auth/signInThrottle';
import type { TokenClaims, TokenService } from '../auth/tokens';
import type { CallContext, ContractRegistry } from '../contract/registry';
import { AppError } from '../errors';

/** One line of the access log about a session: who, from where, what happened. */
export interface SessionAudit {
  actor: string;
  role: OperatorRole | null;
  /** signIn, signInFailed, signInThrottled, lockout, signOut, renew, sessionRevoked, sessionExpired... */
  outcome: string;
  transport: string;
  ip: string | null;
  detail?: Record<string, unknown>;
}

export interface SessionDeps {
  operators: OperatorStore;
  tokens: TokenService;
  revocations: RevocationStore;
  throttle: SignInThrottle;
  ttlSeconds: number;
  audit(entry: SessionAudit): void;
}

export interface ResolvedSession {
  username: string;
  role: OperatorRole;
  expiresAt: Date;
  token: Pick<TokenClaims, 'jti' | 'iat' | 'exp'>;
}

/** Verifies a console session token (signature, expiry, revocation) and that its operator is still active. */
export async function resolveOperatorToken(deps: Pick<SessionDeps, 'operators' | 'tokens'>, token: string): Promise<ResolvedSession> {
  const claims = await deps.tokens.verifyClaims(token);
  const operator = await deps.operators.find(claims.identity.sub);
  if (!operator || operator.role !== claims.identity.role) {
    throw new AppError('UNAUTHENTICATED', 'This session does not belong to an active operator.');
  }
  return { ...operator, expiresAt: new Date(claims.exp * 1000), token: { jti: claims.jti, iat: claims.iat, exp: claims.exp } };
}

const sessionOf = (token: string, s: ResolvedSession): OperatorSession => ({ token, username: s.username, role: s.role, expires_at: s.expiresAt.toISOString() });

/**
 * Sign-in, resume, renewal and sign-out: the same on IPC and on the console
 * namespace. Sign-in is throttled per account and per address; every outcome
 * goes to the access log; sign-out revokes the token.
 */
export function registerSessionHandlers(api: ContractRegistry, deps: SessionDeps): void {
  const issue = async (username: string, role: OperatorRole): Promise<{ token: string; session: ResolvedSession }> => {
    // A subject revoked this very second (sign-out everywhere, disable then enable)
    // would also revoke a token issued in that second: issue in the next one.
    const revokedAt = deps.revocations.subjectRevokedAt(username);
    const wait = revokedAt === undefined ? 0 : (revokedAt + 1) * 1000 - Date.now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    const { token, expiresAt, jti } = await deps.tokens.sign({ sub: username, role }, deps.ttlSeconds);
    const iat = Math.floor(Date.now() / 1000);
    return { token, session: { username, role, expiresAt, token: { jti, iat, exp: Math.floor(expiresAt.getTime() / 1000) } } };
  };
  const where = (ctx: CallContext) => ({ transport: ctx.transport, ip: ctx.ip ?? null });

  api.handle('auth.signIn', async ({ username, password }, ctx) => {
    const address = ctx.ip ?? ctx.transport;
    try {
      deps.throttle.before(username, address);
    } catch (err) {
      const verdict = (err as { verdict?: ThrottleVerdict }).verdict;
      deps.audit({ actor: username, role: null, outcome: 'signInThrottled', ...where(ctx), detail: { ...verdict } });
      throw err;
    }
    const operator = await deps.operators.authenticate(username, password);
    if (!operator) {
      const verdicts = deps.throttle.failed(username, address);
      deps.audit({ actor: username, role: null, outcome: 'signInFailed', ...where(ctx) });
      for (const v of verdicts) if (v.kind === 'lockout') deps.audit({ actor: username, role: null, outcome: 'lockout', ...where(ctx), detail: { ...v } });
      throw new AppError('UNAUTHENTICATED', 'Wrong username or password.');
    }
    deps.throttle.succeeded(username);
    const { token, session } = await issue(operator.username, operator.role);
    ctx.setSession?.({ username: operator.username, role: operator.role, token: session.token });
    deps.audit({ actor: operator.username, role: operator.role, outcome: 'signIn', ...where(ctx), detail: { jti: session.token.jti } });
    return sessionOf(token, session);
  });

  api.handle('auth.resume', async ({ token }, ctx) => {
    const session = await resolveOperatorToken(deps, token);
    ctx.setSession?.({ username: session.username, role: session.role, token: session.token });
    return sessionOf(token, session);
  });

  api.handle('auth.renew', async (_input, ctx) => {
    if (!ctx.operator) throw new AppError('UNAUTHENTICATED', 'Sign in first.');
    const { token, session } = await issue(ctx.operator.username, ctx.operator.role);
    ctx.setSession?.({ username: session.username, role: session.role, token: session.token });
    deps.audit({ actor: session.username, role: session.role, outcome: 'renew', ...where(ctx), detail: { jti: session.token.jti } });
    return sessionOf(token, session);
  });

  api.handle('auth.signOut', async (_input, ctx) => {
    const current = ctx.operator;
    ctx.setSession?.(null);
    if (current) {
      // The token dies with the session: a copy of it (a shared workstation, a log) cannot resume it.
      if (current.token) await deps.revocations.revoke('token', current.token.jti, current.username, 'signed out');
      deps.audit({ actor: current.username, role: current.role, outcome: 'signOut', ...where(ctx) });
    }
    return { signed_out: true as const };
  });
}
