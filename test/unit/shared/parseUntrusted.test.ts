import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { parseUntrusted } from '../../../src/shared/parseUntrusted';
import { HUB_CLIENT_EVENTS } from '../../../src/shared/hubEvents';

const record = z.object({ data: z.record(z.string(), z.unknown()) });

describe('parsing untrusted input', () => {
  it('refuses a payload that makes zod itself throw, instead of throwing', () => {
    const hostile = { data: { constructor: null } };
    // The reason this helper exists: plain safeParse throws on it.
    expect(() => record.safeParse(hostile)).toThrow(TypeError);
    const parsed = parseUntrusted(record, hostile);
    expect(parsed.success).toBe(false);
    expect(parsed.error?.issues[0]?.message).toMatch(/malformed input/);
  });

  it('passes ordinary input and ordinary failures through unchanged', () => {
    expect(parseUntrusted(record, { data: { a: 1 } })).toMatchObject({ success: true, data: { data: { a: 1 } } });
    expect(parseUntrusted(record, { data: 5 }).error?.issues[0]?.path).toEqual(['data']);
  });

  it('covers every hub event schema with a record field', () => {
    for (const schema of Object.values(HUB_CLIENT_EVENTS)) {
      expect(() => parseUntrusted(schema as z.ZodType, { constructor: null, data: { constructor: null }, values: { constructor: null } })).not.toThrow();
    }
  });
});
