import type { Kysely } from 'kysely';
import type { IssuedDeviceToken } from '../../../shared/contract/admin';
import type { Identity } from '../../../shared/roles';
import type { DatabaseSchema } from '../db/schema';
import type { RevocationStore } from './revocations';

/** Records a token issued to a field device or client, so an admin can later find and revoke it. */
export async function recordIssuedToken(
  db: Kysely<DatabaseSchema>,
  issued: { jti: string; identity: Identity; issuedBy: string; expiresAt: Date }
): Promise<void> {
  await db
    .insertInto('issued_tokens')
    .values({
      jti: issued.jti,
      subject: issued.identity.sub,
      role: issued.identity.role,
      device_id: issued.identity.device_id ?? null,
      device_type: issued.identity.device_type ?? null,
      issued_by: issued.issuedBy,
      issued_at: new Date().toISOString(),
      expires_at: issued.expiresAt.toISOString(),
      last_seen_at: null
    })
    .execute();
}

/**
 * The device registry: issued tokens with their last sighting. Sightings are
 * kept in memory and written once a minute (a connect is not worth a write).
 */
export function createDeviceRegistry(db: Kysely<DatabaseSchema>, revocations: RevocationStore, flushEveryMs = 60_000) {
  const seen = new Map<string, string>();
  const flush = async () => {
    if (seen.size === 0) return;
    const batch = [...seen];
    seen.clear();
    for (const [jti, at] of batch) await db.updateTable('issued_tokens').set({ last_seen_at: at }).where('jti', '=', jti).execute();
  };
  const timer = setInterval(() => void flush().catch(() => undefined), flushEveryMs);
  timer.unref();
  return {
    sawToken(jti: string): void {
      seen.set(jti, new Date().toISOString());
    },
    async list(limit: number): Promise<IssuedDeviceToken[]> {
      await flush();
      const rows = await db.selectFrom('issued_tokens').selectAll().orderBy('issued_at', 'desc').limit(limit).execute();
      const now = Math.floor(Date.now() / 1000);
      return rows.map((r) => ({
        ...r,
        revoked: revocations.isRevoked({ jti: r.jti, iat: Math.min(now, Math.floor(Date.parse(r.issued_at) / 1000)), identity: { sub: r.subject, role: r.role as Identity['role'], device_id: r.device_id ?? undefined } })
      }));
    },
    flush,
    close: () => clearInterval(timer)
  };
}

export type DeviceRegistry = ReturnType<typeof createDeviceRegistry>;
