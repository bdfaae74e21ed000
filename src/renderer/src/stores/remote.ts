import type { Result } from '../../../shared/result';

/** The state of one thing the console fetched from the core. */
export type Remote<T> =
  | { state: 'idle' }
  | { state: 'loading'; value?: T }
  | { state: 'ok'; value: T; at: number }
  | { state: 'unavailable'; message: string }
  | { state: 'error'; message: string; value?: T };

export const idle = { state: 'idle' } as const;

/**
 * Maps a call result onto a Remote: NOT_IMPLEMENTED means the core runs without
 * that part (a headless core without a CAD link, say), shown as "not available";
 * any other refusal is an error that keeps the previous value on screen.
 */
export function toRemote<T>(result: Result<T>, previous?: Remote<T>): Remote<T> {
  if (result.ok) return { state: 'ok', value: result.value, at: Date.now() };
  if (result.error.code === 'NOT_IMPLEMENTED' || result.error.code === 'UNKNOWN_METHOD') {
    return { state: 'unavailable', message: result.error.message };
  }
  const value = previous && 'value' in previous ? previous.value : undefined;
  return { state: 'error', message: result.error.message, value };
}

export const valueOf = <T>(remote: Remote<T>): T | undefined => ('value' in remote ? remote.value : undefined);
