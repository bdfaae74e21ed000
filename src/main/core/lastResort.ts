import type { Logger } from 'pino';

export interface LastResortOptions {
  /** Which process this is (serve, demo, electron): every line names it. */
  context: string;
  logger: Pick<Logger, 'error'>;
  /**
   * Past this many uncaught exceptions in a minute the process is no longer
   * trusted to be in a sane state: it shuts down (loudly) instead of limping on.
   */
  maxUncaughtPerMinute?: number;
  /** Called once when the process gives up; should close the core and exit non-zero. */
  giveUp?(reason: string): void;
  /** Where the one-line notice goes even when the logger is broken (default stderr). */
  stderr?: Pick<NodeJS.WriteStream, 'write'>;
}

export interface LastResort {
  /** Uncaught errors seen so far (tests read it). */
  count(): number;
  uninstall(): void;
}

const describe = (value: unknown): string => (value instanceof Error ? `${value.name}: ${value.message}` : String(value)).slice(0, 300);

/**
 * A dispatch hub stays up through a stray exception from one request: it logs the
 * error with context and keeps serving (Node's default is to exit and drop every
 * device and console at once). It never exits silently: a burst of uncaught
 * exceptions means something is broken for real, and then it says so on stderr
 * and hands over to `giveUp`.
 */
export function installLastResortHandlers(options: LastResortOptions): LastResort {
  const max = options.maxUncaughtPerMinute ?? 20;
  const stderr = options.stderr ?? process.stderr;
  let total = 0;
  let windowStart = Date.now();
  let inWindow = 0;
  let gaveUp = false;

  const record = (kind: 'uncaughtException' | 'unhandledRejection', err: unknown) => {
    total += 1;
    const now = Date.now();
    if (now - windowStart > 60_000) {
      windowStart = now;
      inWindow = 0;
    }
    inWindow += 1;
    try {
      options.logger.error({ err, kind, context: options.context, in_last_minute: inWindow }, `${kind} in ${options.context}: kept serving`);
    } catch {
      stderr.write(`switchboard ${options.context}: ${kind}: ${describe(err)} (kept serving)\n`);
    }
    if (inWindow > max && !gaveUp) {
      gaveUp = true;
      const reason = `${inWindow} uncaught errors within a minute (last: ${describe(err)}); shutting down so a supervisor can restart a clean process`;
      stderr.write(`switchboard ${options.context}: ${reason}\n`);
      try {
        options.logger.error({ err, context: options.context, fatal: true }, reason);
      } catch {
        // stderr already has it.
      }
      if (options.giveUp) options.giveUp(reason);
      else process.exit(70);
    }
  };
  const onException = (err: unknown) => record('uncaughtException', err);
  const onRejection = (reason: unknown) => record('unhandledRejection', reason);
  process.on('uncaughtException', onException);
  process.on('unhandledRejection', onRejection);
  return {
    count: () => total,
    uninstall() {
      process.off('uncaughtException', onException);
      process.off('unhandledRejection', onRejection);
    }
  };
}
