import { describe, expect, it } from 'vitest';
import { scrubJson, scrubText } from '../../../src/main/core/log/write/scrub';
import { createSecretScrubber } from '../../../src/main/core/logger';

const known = createSecretScrubber(['the-cad-token-value']);
const JWT = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJwMSJ9.c2lnbmF0dXJlLWhlcmU';

describe('secret scrubbing', () => {
  it('removes values under secret-looking keys at any depth', () => {
    const json = scrubJson({ token: 'a', Password: 'b', nested: { authorization: 'c', api_key: 'd', list: [{ secret: 'e' }] }, keep: 'me' }, known, 10_000)!;
    expect(JSON.parse(json)).toEqual({
      token: '[REDACTED]',
      Password: '[REDACTED]',
      nested: { authorization: '[REDACTED]', api_key: '[REDACTED]', list: [{ secret: '[REDACTED]' }] },
      keep: 'me'
    });
  });

  it('removes known secret values, JWTs and key=value secrets from free text', () => {
    expect(scrubText(`cad refused the-cad-token-value`, known)).toBe('cad refused [REDACTED]');
    expect(scrubText(`handshake ?token=${JWT}&x=1`, known)).toBe('handshake ?token=[REDACTED]&x=1');
    expect(scrubText(`Authorization: Bearer abcdefghijkl`, known)).toBe('Authorization: Bearer [REDACTED]');
    expect(scrubText('login failed for password=hunter22', known)).toBe('login failed for password=[REDACTED]');
    expect(scrubText('an ordinary message about tokens', known)).toBe('an ordinary message about tokens');
  });

  it('keeps stored JSON valid when a string value hides a secret, and truncates oversized payloads', () => {
    const json = scrubJson({ note: 'retry with password=abc123 later' }, known, 10_000)!;
    expect(JSON.parse(json)).toEqual({ note: 'retry with password=[REDACTED] later' });
    const big = scrubJson({ blob: 'x'.repeat(5_000) }, known, 1_000)!;
    expect(JSON.parse(big)).toMatchObject({ truncated: true, original_length: expect.any(Number) });
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    expect(scrubJson(cyclic, known, 1_000)).toBe('{"unserializable":true}');
    expect(scrubJson(undefined, known, 1_000)).toBeNull();
  });
});
