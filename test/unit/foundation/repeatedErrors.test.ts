import { afterEach, describe, expect, it, vi } from 'vitest';
import { createRepeatedErrorLog } from '../../../src/main/core/repeatedErrors';

afterEach(() => {
  vi.useRealTimers();
});

describe('repeated per-event errors: one line per interval with a count', () => {
  it('logs the first at once, then one line with the count per interval, and starts afresh after a quiet interval', () => {
    vi.useFakeTimers();
    const lines: Array<{ context: Record<string, unknown>; message: string }> = [];
    const log = createRepeatedErrorLog({ error: (context: object, message?: string) => void lines.push({ context: context as Record<string, unknown>, message: message ?? '' }) } as never, 'socket log write failed', 10_000);
    // A full disk: 58,000 refused events in 33 s.
    for (let i = 0; i < 58_000; i += 1) {
      log.report(new Error('SQLITE_FULL'), { event: 'device_data' });
      if (i % 1_757 === 0) vi.advanceTimersByTime(1_000);
    }
    vi.advanceTimersByTime(20_000);
    expect(lines.length).toBeLessThanOrEqual(6);
    expect(lines[0]!.message).toBe('socket log write failed');
    const counted = lines.slice(1).reduce((n, l) => n + Number(l.context.repeated ?? 0), 0);
    expect(counted).toBe(57_999);
    expect(lines[1]!.message).toMatch(/socket log write failed \(\d+ more times in the last 10 s\)/);
    // Quiet since: the next error is logged at once again.
    const quiet = lines.length;
    log.report(new Error('EIO'));
    expect(lines).toHaveLength(quiet + 1);
    log.close();
  });
});
