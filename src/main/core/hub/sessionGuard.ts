import type { Revocation, RevocationStore } from '../auth/revocations';
import type { Hub } from './hub';
import type { HubConn } from './registry';

/** True when a revocation covers the token this connection authenticated with. */
export function revocationCovers(r: Revocation, identity: HubConn['identity'], token: HubConn['token']): boolean {
  if (r.kind === 'token') return token.jti === r.value;
  if (r.kind === 'subject') return identity.sub === r.value && token.iat <= r.issuedBefore;
  return identity.device_id === r.value && token.iat <= r.issuedBefore;
}

/**
 * A connection lives no longer than its token: revoking the token (or its
 * subject or device) closes it at once, and so does the token's expiry, each
 * with a socket-log row saying why. Expiry is checked once a second over the
 * registry, off the per-event path.
 */
export function attachSessionGuard(hub: Hub, revocations: RevocationStore, checkEveryMs = 1_000): () => void {
  const end = (conn: HubConn, eventType: 'session_revoked' | 'session_expired', message: string, data: Record<string, unknown>) => {
    hub
      .writeLog({
        eventType,
        socketId: conn.id,
        userId: conn.identity.sub,
        userRole: conn.identity.role,
        eventData: { transport: conn.transport, jti: conn.token.jti, ...data },
        status: 'success',
        processed: true,
        errorMessage: message,
        ipAddress: conn.ip,
        userAgent: conn.userAgent
      })
      .catch((err: unknown) => hub.logger.error({ err, conn: conn.id }, 'session end not logged'));
    hub.logger.info({ conn: conn.id, user: conn.identity.sub, eventType }, message);
    conn.close(message);
  };
  const stopRevocations = revocations.onRevoked((r) => {
    for (const conn of [...hub.registry.all()]) {
      if (revocationCovers(r, conn.identity, conn.token)) {
        end(conn, 'session_revoked', `Disconnected: the token was revoked (${r.kind}) by ${r.revokedBy}.`, { revoked: r.kind, by: r.revokedBy, reason: r.reason });
      }
    }
  });
  const timer = setInterval(() => {
    const now = Date.now() / 1000;
    for (const conn of [...hub.registry.all()]) {
      if (conn.token.exp <= now) end(conn, 'session_expired', 'Disconnected: the token expired; reconnect with a new one.', { exp: conn.token.exp });
    }
  }, checkEveryMs);
  timer.unref();
  return () => {
    stopRevocations();
    clearInterval(timer);
  };
}
