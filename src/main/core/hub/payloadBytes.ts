/**
 * Measures a payload for the size limit without trusting a client-declared length.
 * With `limit`, a text so short that even 3 UTF-8 bytes per UTF-16 unit stay within
 * it is reported by its length: it fits either way, and most events skip the exact count.
 */
export function payloadBytes(payload: unknown, limit = 0): number {
  if (payload === undefined) return 0;
  if (typeof payload === 'string') return Buffer.byteLength(payload);
  try {
    const text = JSON.stringify(payload) ?? '';
    return text.length * 3 <= limit ? text.length : Buffer.byteLength(text);
  } catch {
    return Number.POSITIVE_INFINITY; // cyclic or otherwise unserialisable: treat as oversized
  }
}
