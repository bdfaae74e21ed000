import type { Logger } from './logger';

export interface RepeatedErrorLog {
  /** Records one occurrence: the first of a quiet spell is logged at once, the rest are counted. */
  report(err: unknown, context?: Record<string, unknown>): void;
  /** Writes the pending count now (shutdown). */
  flush(): void;
  close(): void;
}

/**
 * One log line per interval for an error that repeats per event, with a count.
 * On a full disk every refused event failed the same way: 58,000 identical lines
 * in 33 s buried everything else and filled the disk that was already full. The
 * first occurrence is logged in full at once; the rest of the interval adds up
 * to one line ("... 1,234 more times in 10 s") with the latest error.
 */
export function createRepeatedErrorLog(logger: Pick<Logger, 'error'>, message: string, intervalMs = 10_000): RepeatedErrorLog {
  let suppressed = 0;
  let last: { err: unknown; context?: Record<string, unknown> } | null = null;
  let timer: NodeJS.Timeout | null = null;

  const flush = () => {
    if (suppressed > 0 && last) {
      logger.error({ ...last.context, err: last.err, repeated: suppressed, intervalMs }, `${message} (${suppressed} more times in the last ${Math.round(intervalMs / 1000)} s)`);
    }
    suppressed = 0;
    last = null;
  };

  const tick = () => {
    const had = suppressed;
    flush();
    // Keep the window open while the error goes on; a quiet window ends it.
    timer = had > 0 ? setTimeout(tick, intervalMs) : null;
    timer?.unref();
  };

  return {
    report(err, context) {
      if (!timer) {
        logger.error({ ...context, err }, message);
        timer = setTimeout(tick, intervalMs);
        timer.unref();
        return;
      }
      suppressed += 1;
      last = { err, context };
    },
    flush,
    close() {
      if (timer) clearTimeout(timer);
      timer = null;
      flush();
    }
  };
}
