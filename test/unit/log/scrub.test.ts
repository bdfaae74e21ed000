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

  it('scrubs a JSON payload the same whether or not it holds a secret-looking word (the one-scan shortcut changes no output)', () => {
    const payloads: unknown[] = [
      { latitude: 47.6, longitude: -122.3, status: 'en_route' },
      { jwt: 'abc' },
      { JWT: 'abc', note: 'ok' },
      { note: `carried ${JWT}` },
      { note: 'Bearer abcdefghijkl' },
      { msg: 'the-cad-token-value leaked' },
      { keyboard: 'qwerty', Authorisation: 'x' },
      { list: [{ cookie: 'c' }, { passenger: 'p' }] },
      'plain text with apikey=zzz',
      12
    ];
    for (const payload of payloads) {
      // Every secret-key and hint word is found by the one prefilter, so the full checks run whenever they could matter.
      const full = scrubText(JSON.stringify(payload, (key, value: unknown) => (key !== '' && /^(token|access_?token|refresh_?token|id_?token|auth_?token|password|passwd|pass|secret|client_?secret|api_?key|apikey|authorization|cookie|set-cookie|jwt|cad_?token|private_?key)$/i.test(key) ? '[REDACTED]' : value)), known);
      expect(scrubJson(payload, known, 10_000)).toBe(full);
    }
  });
});
