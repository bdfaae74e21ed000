import type { IncomingMessage } from 'node:http';
import { HTTP_STATUS, type ErrorCode } from '../../../shared/result';
import type { Identity } from '../../../shared/roles';
import type { TokenService } from '../auth/tokens';
import { AppError } from '../errors';
import { clientAddress } from '../http/clientAddress';
import type { Hub } from './hub';
import { identityKey } from './rateLimit';
import type { HubConn, HubTransport } from './registry';

/** A refusal that says when to come back (flood cool-down, restart). */
export class RetryLaterError extends AppError {
  constructor(
    code: 'RATE_LIMITED' | 'RESTARTING',
    message: string,
    readonly retryAfterMs: number
  ) {
    super(code, message);
  }
}

/** A refused connection as every transport words it: a stable code, a sentence, the HTTP status of an upgrade or stream answer. */
export interface ConnectionRefusal {
  code: ErrorCode;
  message: string;
  status: number;
  retryAfterMs?: number;
}

/** Who is connecting, from where; `refusal` is set when the connection must not go on. */
export type Admission = { ip: string | null; userAgent: string | null } & (
  | { refusal?: undefined; identity: Identity; token: HubConn['token'] }
  | { refusal: ConnectionRefusal }
);

const firstHeader = (v: string | string[] | undefined): string | null => (Array.isArray(v) ? (v[0] ?? null) : (v ?? null));

const refusalOf = (err: unknown): ConnectionRefusal => {
  if (err instanceof AppError) {
    return { code: err.code, message: err.message, status: HTTP_STATUS[err.code], ...(err instanceof RetryLaterError ? { retryAfterMs: err.retryAfterMs } : {}) };
  }
  return { code: 'UNAUTHENTICATED', message: 'Authentication failed.', status: HTTP_STATUS.UNAUTHENTICATED };
};

export interface ConnectionAdmission {
  /**
   * The one token check of every hub transport: verifies the token (signature,
   * expiry, revocation), refuses an identity still cooling down after a flood
   * (transports that take events), and, behind a trusted proxy, an address past
   * its connection cap. A refusal is counted and logged here; the transport only
   * words it for its protocol.
   */
  admit(transport: HubTransport, req: IncomingMessage, token: unknown, options?: { takesEvents?: boolean }): Promise<Admission>;
  /** The client address of a request, by the same rule. */
  addressOf(req: IncomingMessage): string | null;
  close(): void;
}

export function createConnectionAdmission(hub: Hub, tokens: TokenService, options: { trustProxy: boolean; maxConnectionsPerAddress: number }): ConnectionAdmission {
  const { trustProxy, maxConnectionsPerAddress } = options;
  // Behind a proxy every TCP connection comes from the proxy, so the per-address
  // cap of the HTTP server cannot tell devices apart: hub connections are capped
  // here by their forwarded address instead.
  const open = new Map<string, number>();
  const stopCounting = trustProxy
    ? hub.onPresence((kind, conn) => {
        if (!conn.ip || (kind !== 'connected' && kind !== 'disconnected')) return;
        const count = (open.get(conn.ip) ?? 0) + (kind === 'connected' ? 1 : -1);
        if (count > 0) open.set(conn.ip, count);
        else open.delete(conn.ip);
      })
    : () => undefined;

  const admitAddress = (ip: string | null) => {
    if (!trustProxy || !ip || (open.get(ip) ?? 0) < maxConnectionsPerAddress) return;
    throw new AppError('RATE_LIMITED', `Too many open connections from ${ip} (at most ${maxConnectionsPerAddress}): close some before opening more.`);
  };

  return {
    addressOf: (req) => clientAddress(req, trustProxy),
    async admit(transport, req, token, admitOptions = {}) {
      const ip = clientAddress(req, trustProxy);
      const userAgent = firstHeader(req.headers['user-agent']);
      try {
        const claims = await tokens.verifyClaims(token);
        if (admitOptions.takesEvents) refuseWhileCoolingDown(hub, claims.identity);
        admitAddress(ip);
        return { ip, userAgent, identity: claims.identity, token: { jti: claims.jti, iat: claims.iat, exp: claims.exp } };
      } catch (err) {
        const refusal = refusalOf(err);
        hub.refused(transport, refusal.code, refusal.message, { ip, userAgent });
        return { ip, userAgent, refusal };
      }
    },
    close: stopCounting
  };
}

/** An identity disconnected for flooding is refused until its cool-down ends (every transport that takes events). */
function refuseWhileCoolingDown(hub: Hub, identity: Identity): void {
  const waitMs = hub.floodCooldowns.remainingMs(identityKey(identity), Date.now());
  if (waitMs > 0) {
    throw new RetryLaterError('RATE_LIMITED', `Refused for flooding: connect again in ${Math.ceil(waitMs / 1000)} s, and send at most ${hub.config.ratePerSecond} events per second.`, waitMs);
  }
}
