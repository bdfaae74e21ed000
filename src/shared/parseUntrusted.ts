import { z } from 'zod';

/**
 * `schema.safeParse` for input from outside the process. zod 4's record and
 * object checks read `value.constructor.prototype`, so a hostile payload such as
 * `{"constructor": null}` makes safeParse *throw* a TypeError instead of
 * returning a failure (found by the reliability fuzzer). Every boundary that
 * parses untrusted input goes through here, so such input is refused like any
 * other invalid input.
 */
export function parseUntrusted<T extends z.ZodType>(schema: T, value: unknown): z.ZodSafeParseResult<z.output<T>> {
  try {
    return schema.safeParse(value);
  } catch {
    const error = new z.ZodError([{ code: 'custom', path: [], message: 'malformed input (an object whose "constructor" key is not a function)', input: value }]);
    return { success: false, error } as z.ZodSafeParseResult<z.output<T>>;
  }
}
