import { generateKeyPairSync, randomUUID } from 'node:crypto';
import { SignJWT } from 'jose';
import type { Identity } from '../../../src/shared/roles';

/** Issuer the core expects (src/main/core/auth/tokens.ts). */
const ISSUER = 'switchboard';
const b64url = (value: unknown) => Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url');

/** A genuine token, signed with the data directory's own secret, as `switchboard token` would print it. */
export async function signToken(secret: string, identity: Identity, options: { ttlSeconds?: number; issuer?: string; expiredSecondsAgo?: number } = {}): Promise<string> {
  const { sub, ...claims } = identity;
  const now = Math.floor(Date.now() / 1000);
  const exp = options.expiredSecondsAgo !== undefined ? now - options.expiredSecondsAgo : now + (options.ttlSeconds ?? 3600);
  return new SignJWT(claims)
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setSubject(sub)
    .setIssuer(options.issuer ?? ISSUER)
    .setJti(randomUUID())
    .setIssuedAt(Math.min(now, exp - 60))
    .setExpirationTime(exp)
    .sign(new TextEncoder().encode(secret));
}

export interface BadToken {
  name: string;
  token: string;
  /** Codes a refusal of this token may carry (UNAUTHENTICATED when the entry point cannot tell more). */
  codes: readonly string[];
}

const INVALID = ['TOKEN_INVALID', 'UNAUTHENTICATED'] as const;

/**
 * Every kind of bad token the issue names: forged (another key), expired,
 * `alg: none`, HS/RS confusion (RS256-signed, and HS256 keyed with the RSA
 * public key), tampered claims, wrong issuer, garbage and empty.
 */
export async function badTokens(secret: string, identity: Identity): Promise<BadToken[]> {
  const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const publicPem = publicKey.export({ type: 'spki', format: 'pem' }).toString();
  const now = Math.floor(Date.now() / 1000);
  const { sub, ...claims } = identity;
  const payload = { ...claims, sub, iss: ISSUER, iat: now, exp: now + 3600 };
  // Tampering starts from a genuine low-privilege token and raises it: the bytes must differ from anything signed.
  const genuine = await signToken(secret, { sub: `${sub}-patient`, role: 'patient', patient_id: 'P-TAMPER' });
  const [h, genuineClaims, s] = genuine.split('.');
  const raised: Record<string, unknown> = { ...(JSON.parse(Buffer.from(genuineClaims!, 'base64url').toString()) as Record<string, unknown>), role: 'admin', sub };
  delete raised.patient_id;
  const adminClaims = b64url(raised);

  return [
    { name: 'forged (signed with another key)', token: await signToken('x'.repeat(64), identity), codes: INVALID },
    { name: 'expired', token: await signToken(secret, identity, { expiredSecondsAgo: 120 }), codes: ['TOKEN_EXPIRED', 'UNAUTHENTICATED'] },
    { name: 'alg none (unsigned)', token: `${b64url({ alg: 'none', typ: 'JWT' })}.${b64url(payload)}.`, codes: INVALID },
    { name: 'alg None, signature kept', token: `${b64url({ alg: 'None', typ: 'JWT' })}.${b64url(payload)}.${s}`, codes: INVALID },
    {
      name: 'RS256 (asymmetric, HS/RS confusion)',
      token: await new SignJWT({ ...claims }).setProtectedHeader({ alg: 'RS256' }).setSubject(sub).setIssuer(ISSUER).setIssuedAt().setExpirationTime('1h').sign(privateKey),
      codes: INVALID
    },
    {
      name: 'HS256 keyed with the RSA public key (HS/RS confusion)',
      token: await new SignJWT({ ...claims }).setProtectedHeader({ alg: 'HS256' }).setSubject(sub).setIssuer(ISSUER).setIssuedAt().setExpirationTime('1h').sign(new TextEncoder().encode(publicPem)),
      codes: INVALID
    },
    { name: 'HS512 with the right secret (algorithm not allowed)', token: await new SignJWT({ ...claims }).setProtectedHeader({ alg: 'HS512' }).setSubject(sub).setIssuer(ISSUER).setIssuedAt().setExpirationTime('1h').sign(new TextEncoder().encode(secret)), codes: INVALID },
    { name: 'tampered claims (role raised to admin, signature kept)', token: `${h}.${adminClaims}.${s}`, codes: INVALID },
    { name: 'wrong issuer', token: await signToken(secret, identity, { issuer: 'someone-else' }), codes: INVALID },
    { name: 'garbage', token: 'not.a.jwt', codes: INVALID },
    { name: 'oversized', token: 'a'.repeat(9000), codes: [...INVALID, 'VALIDATION_FAILED'] }
  ];
}
