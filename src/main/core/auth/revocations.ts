import type { Kysely } from 'kysely';
import type { DatabaseSchema } from '../db/schema';
import { AppError } from '../errors';
import type { TokenClaims } from './tokens';

export type RevocationKind = 'token' | 'subject' | 'device';

export interface Revocation {
  kind: RevocationKind;
  value: string;
  /** Tokens issued at or before this (unix seconds) are revoked. */
  issuedBefore: number;
  revokedBy: string;
  reason: string | null;
}

export interface RevocationStore {
  /** Throws UNAUTHENTICATED when the token has been revoked (by id, subject or device). */
  check(claims: TokenClaims): void;
  isRevoked(claims: Pick<TokenClaims, 'jti' | 'iat' | 'identity'>): boolean;
  /** When every token of this subject issued up to then was last revoked (unix seconds). */
  subjectRevokedAt(subject: string): number | undefined;
  /** Records a revocation and tells listeners at once (so open connections are closed). */
  revoke(kind: RevocationKind, value: string, revokedBy: string, reason?: string | null): Promise<Revocation>;
  /** Picks up revocations other processes wrote (the `switchboard token revoke` command). */
  refresh(): Promise<Revocation[]>;
  onRevoked(listener: (revocation: Revocation) => void): () => void;
  close(): Promise<void>;
}

/** A revocation as stored: ids grow in commit order, so "every row after the last one read" misses none. */
export interface RevocationRow {
  id: number;
  kind: string;
  value: string;
  issued_before: number;
  revoked_by: string;
  reason: string | null;
}

/** Where revocations are kept: the node's SQLite, or the cluster's PostgreSQL (cluster/pgRevocationRows.ts). */
export interface RevocationRows {
  /** Stores one revocation and returns its id. */
  append(row: Omit<RevocationRow, 'id'>): Promise<number>;
  /** Rows with an id above `id`, in id order. */
  after(id: number): Promise<RevocationRow[]>;
  /**
   * Calls `onNews` when another process may have written a row (cluster: a
   * NOTIFY from another node), so a revocation takes effect there at once
   * instead of at the next poll. The poll stays as the re-check.
   */
  subscribe?(onNews: () => void): Promise<() => Promise<void> | void>;
}

/** The single-node store: the SQLite table that `switchboard token revoke` also writes. */
export function sqliteRevocationRows(db: Kysely<DatabaseSchema>): RevocationRows {
  return {
    async append(row) {
      const { id } = await db
        .insertInto('token_revocations')
        .values({ ...row, revoked_at: new Date().toISOString() })
        .returning('id')
        .executeTakeFirstOrThrow();
      return id;
    },
    after: (id) => db.selectFrom('token_revocations').select(['id', 'kind', 'value', 'issued_before', 'revoked_by', 'reason']).where('id', '>', id).orderBy('id').execute()
  };
}

/** Revocations written here and by other processes (or nodes); reads are from memory, so every verification can afford the check. */
export async function createRevocationStore(rows: RevocationRows, options: { pollMs?: number } = {}): Promise<RevocationStore> {
  const byToken = new Set<string>();
  const bySubject = new Map<string, number>();
  const byDevice = new Map<string, number>();
  const listeners = new Set<(revocation: Revocation) => void>();
  let lastId = 0;

  const apply = (r: Revocation) => {
    if (r.kind === 'token') byToken.add(r.value);
    else {
      const map = r.kind === 'subject' ? bySubject : byDevice;
      map.set(r.value, Math.max(map.get(r.value) ?? 0, r.issuedBefore));
    }
    for (const listener of listeners) listener(r);
  };

  // One read at a time: a notification arriving during a poll must not apply rows twice.
  let reading: Promise<Revocation[]> | null = null;
  const readNew = async () => {
    const found: Revocation[] = [];
    for (const row of await rows.after(lastId)) {
      if (row.id <= lastId) continue;
      lastId = row.id;
      const r: Revocation = { kind: row.kind as RevocationKind, value: row.value, issuedBefore: row.issued_before, revokedBy: row.revoked_by, reason: row.reason };
      apply(r);
      found.push(r);
    }
    return found;
  };
  const refresh = async (): Promise<Revocation[]> => {
    while (reading) await reading.catch(() => undefined);
    reading = readNew();
    try {
      return await reading;
    } finally {
      reading = null;
    }
  };
  await refresh();
  const timer = setInterval(() => void refresh().catch(() => undefined), options.pollMs ?? 1_000);
  timer.unref();
  const unsubscribe = await rows.subscribe?.(() => void refresh().catch(() => undefined));

  const isRevoked: RevocationStore['isRevoked'] = ({ jti, iat, identity }) => {
    if (byToken.has(jti)) return true;
    const subjectBefore = bySubject.get(identity.sub);
    if (subjectBefore !== undefined && iat <= subjectBefore) return true;
    const deviceBefore = identity.device_id ? byDevice.get(identity.device_id) : undefined;
    return deviceBefore !== undefined && iat <= deviceBefore;
  };

  return {
    check(claims) {
      if (isRevoked(claims)) throw new AppError('UNAUTHENTICATED', 'This token has been revoked (signed out, disabled or reported lost): sign in again or ask an admin for a new one.');
    },
    isRevoked,
    subjectRevokedAt: (subject) => bySubject.get(subject),
    async revoke(kind, value, revokedBy, reason = null) {
      const r: Revocation = { kind, value, issuedBefore: Math.floor(Date.now() / 1000), revokedBy, reason };
      const id = await rows.append({ kind, value, issued_before: r.issuedBefore, revoked_by: revokedBy, reason });
      // Rows before ours that another process wrote are applied first, then ours, in order.
      await refresh();
      if (id > lastId) lastId = id;
      return r;
    },
    refresh,
    onRevoked(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    async close() {
      clearInterval(timer);
      await unsubscribe?.();
    }
  };
}
