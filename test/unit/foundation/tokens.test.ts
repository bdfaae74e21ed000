import { SignJWT, UnsecuredJWT, generateKeyPair, exportSPKI } from 'jose';
import { describe, expect, it } from 'vitest';
import { TOKEN_ISSUER, createTokenService } from '../../../src/main/core/auth/tokens';

const SECRET = 'a-test-secret-that-is-long-enough-for-hs256-0123456789';
const tokens = createTokenService(SECRET);

const codeOf = async (token: unknown) => {
  try {
    await tokens.verify(token);
    return 'accepted';
  } catch (err) {
    return (err as { code: string }).code;
  }
};

describe('device and operator tokens', () => {
  it('accepts a token it signed and returns the identity claims', async () => {
    const { token } = await tokens.sign({ sub: 'amb-7', role: 'crew', unit_id: 'M7' }, 60);
    await expect(tokens.verify(token)).resolves.toMatchObject({ sub: 'amb-7', role: 'crew', unit_id: 'M7' });
  });

  it('says a missing token is missing', async () => {
    expect(await codeOf(undefined)).toBe('UNAUTHENTICATED');
    expect(await codeOf('')).toBe('UNAUTHENTICATED');
  });

  it('says an expired token is expired', async () => {
    const key = new TextEncoder().encode(SECRET);
    const expired = await new SignJWT({ role: 'patient' })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject('p1')
      .setIssuer(TOKEN_ISSUER)
      .setJti('expired-1')
      .setIssuedAt(Math.floor(Date.now() / 1000) - 3600)
      .setExpirationTime(Math.floor(Date.now() / 1000) - 10)
      .sign(key);
    expect(await codeOf(expired)).toBe('TOKEN_EXPIRED');
  });

  it('refuses a token without an expiry or an id, and one minted to outlive the policy', async () => {
    const key = new TextEncoder().encode(SECRET);
    const base = () => new SignJWT({ role: 'crew', unit_id: 'M7' }).setProtectedHeader({ alg: 'HS256' }).setSubject('amb-7').setIssuer(TOKEN_ISSUER);
    const noExp = await base().setJti('t-2').setIssuedAt().sign(key);
    const noJti = await base().setIssuedAt().setExpirationTime('1h').sign(key);
    const century = await base().setJti('t-3').setIssuedAt().setExpirationTime('100y').sign(key);
    expect(await codeOf(noExp)).toBe('TOKEN_INVALID');
    expect(await codeOf(noJti)).toBe('TOKEN_INVALID');
    expect(await codeOf(century)).toBe('TOKEN_INVALID');
    await expect(tokens.sign({ sub: 'amb-7', role: 'crew', unit_id: 'M7' }, 100 * 365 * 86400)).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
    await expect(tokens.sign({ sub: 'dana', role: 'dispatcher' }, 7 * 86400)).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
  });

  it('runs the revocation check on every verification, after the signature', async () => {
    const service = createTokenService(SECRET);
    const { token, jti } = await service.sign({ sub: 'amb-7', role: 'crew', unit_id: 'M7' }, 60);
    service.setRevocationCheck((claims) => {
      if (claims.jti === jti) throw Object.assign(new Error('revoked'), { code: 'UNAUTHENTICATED' });
    });
    expect(await service.verify(token).then(() => 'accepted', (e: { code: string }) => e.code)).toBe('UNAUTHENTICATED');
  });

  it('refuses a token signed with another key, a tampered payload, alg none and an RS256 token', async () => {
    const other = createTokenService('another-secret-that-is-also-long-enough-000000');
    const { token: foreign } = await other.sign({ sub: 'x', role: 'admin' }, 60);
    expect(await codeOf(foreign)).toBe('TOKEN_INVALID');

    const { token } = await tokens.sign({ sub: 'p1', role: 'patient', patient_id: 'P1' }, 60);
    const [h, , s] = token.split('.');
    const forgedPayload = Buffer.from(JSON.stringify({ sub: 'p1', role: 'admin', iss: TOKEN_ISSUER })).toString('base64url');
    expect(await codeOf(`${h}.${forgedPayload}.${s}`)).toBe('TOKEN_INVALID');

    const none = new UnsecuredJWT({ role: 'admin' }).setSubject('x').setIssuer(TOKEN_ISSUER).encode();
    expect(await codeOf(none)).toBe('TOKEN_INVALID');

    const { privateKey, publicKey } = await generateKeyPair('RS256');
    const rs = await new SignJWT({ role: 'admin' })
      .setProtectedHeader({ alg: 'RS256' })
      .setSubject('x')
      .setIssuer(TOKEN_ISSUER)
      .setExpirationTime('1h')
      .sign(privateKey);
    expect(await codeOf(rs)).toBe('TOKEN_INVALID');
    // HS/RS confusion: an HS256 token whose HMAC key is the public key PEM must not pass.
    const pem = await exportSPKI(publicKey);
    const confused = await new SignJWT({ role: 'admin' })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject('x')
      .setIssuer(TOKEN_ISSUER)
      .setExpirationTime('1h')
      .sign(new TextEncoder().encode(pem));
    expect(await codeOf(confused)).toBe('TOKEN_INVALID');
  });

  it('refuses tokens with an unknown role or garbage', async () => {
    const key = new TextEncoder().encode(SECRET);
    const badRole = await new SignJWT({ role: 'superuser' })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject('x')
      .setIssuer(TOKEN_ISSUER)
      .setExpirationTime('1h')
      .sign(key);
    expect(await codeOf(badRole)).toBe('TOKEN_INVALID');
    expect(await codeOf('not.a.jwt')).toBe('TOKEN_INVALID');
    expect(await codeOf(42)).toBe('UNAUTHENTICATED');
  });
});
