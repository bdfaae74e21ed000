import { randomUUID } from 'node:crypto';
import { SignJWT, errors, jwtVerify } from 'jose';
import { steadyNow } from '../clock';
import { IdentitySchema, isOperatorRole, type Identity } from '../../../shared/roles';
import { AppError, describeIssues } from '../errors';

export const TOKEN_ISSUER = 'switchboard';

/** A verified token: who it names, and the id and times revocation and expiry need. */
export interface TokenClaims {
  identity: Identity;
  jti: string;
  /** Unix seconds. */
  iat: number;
  exp: number;
}

/** Longest lifetimes a token may have: a shift for operators (renewed), longer but bounded for field devices. */
export interface TokenLifetimes {
  operatorMaxSeconds: number;
  fieldMaxSeconds: number;
}

export const DEFAULT_TOKEN_LIFETIMES: TokenLifetimes = { operatorMaxSeconds: 24 * 3600, fieldMaxSeconds: 90 * 24 * 3600 };

export const maxTtlFor = (role: string, lifetimes: TokenLifetimes) => (isOperatorRole(role) ? lifetimes.operatorMaxSeconds : lifetimes.fieldMaxSeconds);

export interface TokenService {
  sign(identity: Identity, ttlSeconds: number): Promise<{ token: string; expiresAt: Date; jti: string }>;
  /** Verifies signature, algorithm, expiry, id, lifetime, revocation and claims; throws AppError with a code that says which failed. */
  verify(token: unknown): Promise<Identity>;
  verifyClaims(token: unknown): Promise<TokenClaims>;
  /** Installs the revocation check every verification runs (the core's revocation store); throws to refuse. */
  setRevocationCheck(check: (claims: TokenClaims) => void): void;
}

export function createTokenService(secret: string, lifetimes: TokenLifetimes = DEFAULT_TOKEN_LIFETIMES): TokenService {
  const key = new TextEncoder().encode(secret);
  let revocationCheck: (claims: TokenClaims) => void = () => undefined;
  const service: TokenService = {
    async sign(identity, ttlSeconds) {
      const { sub, ...claims } = IdentitySchema.parse(identity);
      const max = maxTtlFor(identity.role, lifetimes);
      if (!Number.isFinite(ttlSeconds) || ttlSeconds <= 0 || ttlSeconds > max) {
        throw new AppError('VALIDATION_FAILED', `A ${identity.role} token may live at most ${max} seconds (asked for ${ttlSeconds}).`);
      }
      const expiresAt = new Date(steadyNow() + ttlSeconds * 1000);
      const jti = randomUUID();
      const token = await new SignJWT(claims)
        .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
        .setSubject(sub)
        .setIssuer(TOKEN_ISSUER)
        .setJti(jti)
        .setIssuedAt()
        .setExpirationTime(Math.floor(expiresAt.getTime() / 1000))
        .sign(key);
      return { token, expiresAt, jti };
    },
    async verify(token) {
      return (await service.verifyClaims(token)).identity;
    },
    setRevocationCheck(check) {
      revocationCheck = check;
    },
    async verifyClaims(token) {
      if (typeof token !== 'string' || token.length === 0) {
        throw new AppError('UNAUTHENTICATED', 'Missing token: send a Switchboard JWT.');
      }
      if (token.length > 8192) throw new AppError('TOKEN_INVALID', 'Token is too long to be a Switchboard token.');
      let payload;
      try {
        // Only HS256 is accepted: this closes `alg: none` and HS/RS confusion.
        // Expiry against the steady clock: a wall clock stepped back must not revive an expired token.
        ({ payload } = await jwtVerify(token, key, { algorithms: ['HS256'], issuer: TOKEN_ISSUER, requiredClaims: ['exp', 'iat', 'jti'], currentDate: new Date(steadyNow()) }));
      } catch (err) {
        if (err instanceof errors.JWTExpired) throw new AppError('TOKEN_EXPIRED', 'Token expired: get a new one.');
        if (err instanceof errors.JOSEAlgNotAllowed) {
          throw new AppError('TOKEN_INVALID', 'Token algorithm not allowed: only HS256 tokens are accepted.');
        }
        if (err instanceof errors.JWSSignatureVerificationFailed) {
          throw new AppError('TOKEN_INVALID', 'Token signature is invalid (forged or signed with another key).');
        }
        if (err instanceof errors.JWTClaimValidationFailed) {
          if (err.reason === 'missing') {
            throw new AppError('TOKEN_INVALID', `Token has no "${err.claim}" claim: Switchboard tokens carry an expiry and an id; get a new one.`);
          }
          throw new AppError('TOKEN_INVALID', `Token claim "${err.claim}" is invalid.`);
        }
        throw new AppError('TOKEN_INVALID', 'Token is malformed.');
      }
      const parsed = IdentitySchema.safeParse(payload);
      if (!parsed.success) throw new AppError('TOKEN_INVALID', `Token claims are invalid: ${describeIssues(parsed.error.issues)}`);
      const { jti, iat, exp } = payload as { jti: unknown; iat: number; exp: number };
      if (typeof jti !== 'string' || jti.length === 0 || jti.length > 128) throw new AppError('TOKEN_INVALID', 'Token id (jti) is invalid.');
      // A token minted to live longer than policy allows (a century) is refused, whoever signed it.
      if (exp - iat > maxTtlFor(parsed.data.role, lifetimes)) {
        throw new AppError('TOKEN_INVALID', `Token lifetime is longer than a ${parsed.data.role} token may have; get a new one.`);
      }
      const claims: TokenClaims = { identity: parsed.data, jti, iat, exp };
      revocationCheck(claims);
      return claims;
    }
  };
  return service;
}
