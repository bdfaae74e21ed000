import type { Result } from '../../../shared/result';

/** The state of one thing the console fetched from the core. */
export type Remote<T> =
  | { state: 'idle' }
  | { state: 'loading'; value?: T }
  | { state: 'ok'; value: T; at: number }
  | { state: 'unavailable'; message: string }
  | { state: 'error'; message: string; value?: T };

export const idle = { state: 'idle' } as const;

/** Maps a call result onto a Remote: NOT_IMPLEMENTED/UNKNOWN_METHOD mean "this build has no such view yet". */
export function toRemote<T>(result: Result<unknown>, map: (value: unknown) => T, previous?: Remote<T>): Remote<T> {
  if (result.ok) {
    try {
      return { state: 'ok', value: map(result.value), at: Date.now() };
    } catch (err) {
      return { state: 'error', message: (err as Error).message };
    }
  }
  if (result.error.code === 'NOT_IMPLEMENTED' || result.error.code === 'UNKNOWN_METHOD') {
    return { state: 'unavailable', message: result.error.message };
  }
  const value = previous && 'value' in previous ? previous.value : undefined;
  return { state: 'error', message: result.error.message, value };
}

export const valueOf = <T>(remote: Remote<T>): T | undefined => ('value' in remote ? remote.value : undefined);

/** Reads a number from an object by any of several names (contracts are still landing). */
export function numberField(obj: unknown, ...names: string[]): number | null {
  if (!obj || typeof obj !== 'object') return null;
  for (const name of names) {
    const parts = name.split('.');
    let cur: unknown = obj;
    for (const p of parts) cur = cur && typeof cur === 'object' ? (cur as Record<string, unknown>)[p] : undefined;
    if (typeof cur === 'number' && Number.isFinite(cur)) return cur;
  }
  return null;
}

export function stringField(obj: unknown, ...names: string[]): string | null {
  if (!obj || typeof obj !== 'object') return null;
  for (const name of names) {
    const v = (obj as Record<string, unknown>)[name];
    if (typeof v === 'string') return v;
  }
  return null;
}
