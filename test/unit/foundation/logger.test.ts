import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger, createSecretScrubber } from '../../../src/main/core/logger';

describe('the logger', () => {
  it('never writes a known secret or a token-like field, wherever it appears', () => {
    const secret = 'cad-token-0123456789abcdef';
    const out: string[] = [];
    const sink = new PassThrough();
    sink.on('data', (c: Buffer) => out.push(c.toString()));
    const logger = createLogger({ level: 'info', scrubber: createSecretScrubber([secret]), destination: sink });
    logger.info({ token: 'eyJhbGciOi-some-jwt', nested: { password: 'hunter22' } }, 'connecting');
    logger.warn(`failed to connect with ${secret}`);
    logger.error({ err: new Error(`bad auth ${secret}`) }, 'bridge error');
    const text = out.join('');
    expect(text).toContain('connecting');
    expect(text).not.toContain(secret);
    expect(text).not.toContain('eyJhbGciOi-some-jwt');
    expect(text).not.toContain('hunter22');
    expect(text).toContain('[REDACTED]');
  });

  it('ignores values too short to be secrets', () => {
    const scrubber = createSecretScrubber(['abc']);
    expect(scrubber.scrub('abc def')).toBe('abc def');
  });
});
