/**
 * The one result shape every request in Switchboard answers with, over IPC, the
 * console namespace and (as `{error}` bodies) REST. Codes are stable: clients and
 * tests switch on them, people read the message.
 */
export const ERROR_CODES = [
  'VALIDATION_FAILED',
  'UNAUTHENTICATED',
  'TOKEN_EXPIRED',
  'TOKEN_INVALID',
  'FORBIDDEN',
  'NOT_FOUND',
  'CONFLICT',
  'RATE_LIMITED',
  'PAYLOAD_TOO_LARGE',
  'UNKNOWN_EVENT',
  'UNKNOWN_METHOD',
  'UNTRUSTED_SENDER',
  'NOT_IMPLEMENTED',
  'UNAVAILABLE',
  'RESTARTING',
  'TIMEOUT',
  /** The console refused to send: its link to the core is down, silent or stopping. Nothing was sent. */
  'OFFLINE',
  /** The call reached the core after the console had given up on it; the core did not apply it. */
  'EXPIRED',
  /** The console gave up waiting: the call may or may not have been applied. */
  'OUTCOME_UNKNOWN',
  'INTERNAL'
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

export interface AppErrorBody {
  code: ErrorCode;
  message: string;
}

export type Result<T> = { ok: true; value: T } | { ok: false; error: AppErrorBody };

export const ok = <T>(value: T): Result<T> => ({ ok: true, value });
export const fail = (code: ErrorCode, message: string): { ok: false; error: AppErrorBody } => ({
  ok: false,
  error: { code, message }
});

/** HTTP status that goes with each code, so REST and the contract agree. */
export const HTTP_STATUS: Record<ErrorCode, number> = {
  VALIDATION_FAILED: 400,
  UNAUTHENTICATED: 401,
  TOKEN_EXPIRED: 401,
  TOKEN_INVALID: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  CONFLICT: 409,
  RATE_LIMITED: 429,
  PAYLOAD_TOO_LARGE: 413,
  UNKNOWN_EVENT: 400,
  UNKNOWN_METHOD: 404,
  UNTRUSTED_SENDER: 403,
  NOT_IMPLEMENTED: 501,
  UNAVAILABLE: 503,
  RESTARTING: 503,
  TIMEOUT: 504,
  OFFLINE: 503,
  EXPIRED: 408,
  OUTCOME_UNKNOWN: 504,
  INTERNAL: 500
};
