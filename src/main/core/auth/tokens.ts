import { SignJWT, errors, jwtVerify } from 'jose';
import { IdentitySchema, type Identity } from '../../../shared/roles';
import { AppError, describeIssues } from '../errors';

export const TOKEN_ISSUER = 'switchboard';

export interface TokenService {
  sign(identity: Identity, ttlSeconds: number): Promise<{ token: string; expiresAt: Date }>;
  /** Verifies signature, algorithm, expiry and claims; throws AppError with a code that says which failed. */
  verify(token: unknown): Promise<Identity>;
}

export function createTokenService(secret: string): TokenService {
  const key = new TextEncoder().encode(secret);
  return {
    async sign(identity, ttlSeconds) {
      const expiresAt = new Date(Date.now() + ttlSeconds * 1000);
      const { sub, ...claims } = IdentitySchema.parse(identity);
      const token = await new SignJWT(claims)
        .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
        .setSubject(sub)
        .setIssuer(TOKEN_ISSUER)
        .setIssuedAt()
        .setExpirationTime(Math.floor(expiresAt.getTime() / 1000))
        .sign(key);
      return { token, expiresAt };
    },
    async verify(token) {
      if (typeof token !== 'string' || token.length === 0) {
        throw new AppError('UNAUTHENTICATED', 'Missing token: send a Switchboard JWT.');
      }
      if (token.length > 8192) throw new AppError('TOKEN_INVALID', 'Token is too long to be a Switchboard token.');
      let payload;
      try {
        // Only HS256 is accepted: this closes `alg: none` and HS/RS confusion.
        ({ payload } = await jwtVerify(token, key, { algorithms: ['HS256'], issuer: TOKEN_ISSUER }));
      } catch (err) {
        if (err instanceof errors.JWTExpired) throw new AppError('TOKEN_EXPIRED', 'Token expired: get a new one.');
        if (err instanceof errors.JOSEAlgNotAllowed) {
          throw new AppError('TOKEN_INVALID', 'Token algorithm not allowed: only HS256 tokens are accepted.');
        }
        if (err instanceof errors.JWSSignatureVerificationFailed) {
          throw new AppError('TOKEN_INVALID', 'Token signature is invalid (forged or signed with another key).');
        }
        if (err instanceof errors.JWTClaimValidationFailed) {
          throw new AppError('TOKEN_INVALID', `Token claim "${err.claim}" is invalid.`);
        }
        throw new AppError('TOKEN_INVALID', 'Token is malformed.');
      }
      const parsed = IdentitySchema.safeParse(payload);
      if (!parsed.success) throw new AppError('TOKEN_INVALID', `Token claims are invalid: ${describeIssues(parsed.error.issues)}`);
      return parsed.data;
    }
  };
}
