/**
 * Exit codes of `verify` and `check`, documented in the README's CLI table.
 * Distinct so that a script (or a person) can tell a tampered log from a wrong
 * key from a check that never ran (full disk, unreadable file).
 */
export const EXIT = {
  OK: 0,
  /** verify: the chain shows tampering; check: the database is damaged. */
  FAILED: 1,
  /** Bad flags (main() maps UsageError to it). */
  USAGE: 2,
  /** The check could not run or could not be recorded (full disk, unreadable or missing file). */
  COULD_NOT_RUN: 3,
  /** verify: the key is not the one this log was sealed with (missing, damaged or another installation's). */
  WRONG_KEY: 4
} as const;

/** One line for a failure that stopped a command, without a stack trace. */
export const reasonOf = (err: unknown): string => {
  const e = err as { code?: unknown; message?: unknown } | null;
  const message = typeof e?.message === 'string' ? e.message : String(err);
  return typeof e?.code === 'string' && !message.includes(e.code) ? `${message} (${e.code})` : message;
};
