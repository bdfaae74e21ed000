import { createLogger, createSecretScrubber, type Logger } from '../core/logger';

/** What the shell logs through: the core's pino logger shape, narrowed. */
export type ShellLog = Pick<Logger, 'info' | 'warn' | 'error'>;

/**
 * The shell needs a logger before the core exists (guards run as soon as a
 * webContents is created, and a failed core start must be reported), so it has
 * its own pino logger with the same format and redaction as the core's.
 */
export function createShellLog(level = process.env.SWITCHBOARD_LOG_LEVEL ?? 'info'): Logger {
  return createLogger({ level, scrubber: createSecretScrubber() }).child({ domain: 'shell' });
}
