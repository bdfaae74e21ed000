import type { AppErrorBody, ErrorCode } from '../../shared/result';

/** An error a caller can act on: it carries a stable code and a human sentence. */
export class AppError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string
  ) {
    super(message);
    this.name = 'AppError';
  }

  toBody(): AppErrorBody {
    return { code: this.code, message: this.message };
  }
}

/** Turns anything thrown into an error body without leaking internals. */
export const toErrorBody = (err: unknown): AppErrorBody =>
  err instanceof AppError ? err.toBody() : { code: 'INTERNAL', message: 'Internal error; it has been logged.' };

/** Formats a zod issue list as one readable sentence. */
export const describeIssues = (issues: ReadonlyArray<{ path: PropertyKey[]; message: string }>): string =>
  issues
    .slice(0, 5)
    .map((issue) => `${issue.path.length ? issue.path.map(String).join('.') : 'input'}: ${issue.message}`)
    .join('; ');
