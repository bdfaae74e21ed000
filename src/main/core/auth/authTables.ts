import type { Generated } from 'kysely';

/** Table types of revocations and the device registry (migration 009_revocations). */
export interface TokenRevocationsTable {
  id: Generated<number>;
  /** 'token' (value = jti), 'subject' (value = sub) or 'device' (value = device_id). */
  kind: string;
  value: string;
  /** Tokens issued at or before this (unix seconds) are revoked; for 'token' the token's own expiry. */
  issued_before: number;
  revoked_at: string;
  revoked_by: string;
  reason: string | null;
}

export interface IssuedTokensTable {
  jti: string;
  subject: string;
  role: string;
  device_id: string | null;
  device_type: string | null;
  issued_by: string;
  issued_at: string;
  expires_at: string;
  last_seen_at: string | null;
}

export interface AuthTables {
  token_revocations: TokenRevocationsTable;
  issued_tokens: IssuedTokensTable;
}
