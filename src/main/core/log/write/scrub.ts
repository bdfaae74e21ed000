/**
 * Keeps secrets out of the log. Keys that name a secret lose their value, and
 * any JWT-shaped string or known secret value (JWT key, CAD token, configured
 * redactions) is replaced wherever it appears, since a token can hide inside an
 * ordinary field or an error message.
 */
export const REDACTED = '[REDACTED]';

const SECRET_KEY = /^(token|access_?token|refresh_?token|id_?token|auth_?token|password|passwd|pass|secret|client_?secret|api_?key|apikey|authorization|cookie|set-cookie|jwt|cad_?token|private_?key)$/i;
const JWT_SHAPE = /eyJ[\w-]{5,}\.eyJ[\w-]{5,}\.[\w-]+/g;
/** `password=…`, `token: …`, `Bearer …` inside free text (error messages, user agents, query strings). */
const SECRET_HINT = /pass|token|secret|key|auth|bearer|cookie/i;
const KEY_VALUE = /\b(password|passwd|pwd|token|access_token|secret|api[_-]?key|authorization|cookie)(\s*[=:]\s*)(?!Bearer\s|Basic\s)([^\s&,;"\\]+)/gi;
const BEARER = /\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]{6,}/g;

const SECRET_KEY_IN_JSON = /"(?:token|access_?token|refresh_?token|id_?token|auth_?token|password|passwd|pass|secret|client_?secret|api_?key|apikey|authorization|cookie|set-cookie|jwt|cad_?token|private_?key)"\s*:/i;

export const isSecretKey = (key: string): boolean => SECRET_KEY.test(key);

export interface ValueScrubber {
  scrub(text: string): string;
}

export function scrubText(text: string, known: ValueScrubber): string {
  return scrubTextHinted(text, known, true);
}

/**
 * Every SECRET_KEY_IN_JSON name and every SECRET_HINT word contains one of these:
 * a text without any needs neither of those scans (one scan of the row's JSON
 * instead of two, on every event the hub logs).
 */
const ANY_SECRET_WORD = /pass|token|secret|key|auth|bearer|cookie|jwt/i;

/** scrubText, told whether the text may hold a secret-looking word at all (false: it holds none). */
function scrubTextHinted(text: string, known: ValueScrubber, hinted: boolean): string {
  let out = text.includes('eyJ') ? text.replace(JWT_SHAPE, REDACTED) : text;
  // Replacing a JWT with REDACTED cannot add a hint word, so an unhinted text stays unhinted.
  if (hinted && SECRET_HINT.test(out)) out = out.replace(BEARER, `$1 ${REDACTED}`).replace(KEY_VALUE, `$1$2${REDACTED}`);
  return known.scrub(out);
}

const replacer = (key: string, value: unknown): unknown => (key !== '' && SECRET_KEY.test(key) ? REDACTED : value);

/** JSON text of `data` with secret keys and secret values removed; null for null/undefined. */
export function scrubJson(data: unknown, known: ValueScrubber, maxBytes: number): string | null {
  if (data === undefined || data === null) return null;
  let text: string | undefined;
  let hinted = true;
  try {
    // Fast path: a plain stringify, and the (much slower) replacer only when a secret-looking key is present.
    text = JSON.stringify(data);
    hinted = text !== undefined && ANY_SECRET_WORD.test(text);
    if (hinted && SECRET_KEY_IN_JSON.test(text!)) text = JSON.stringify(data, replacer);
  } catch {
    // Cycles or BigInts: record that the payload could not be kept rather than drop the row.
    text = '{"unserializable":true}';
    hinted = false;
  }
  if (text === undefined) return null;
  text = scrubTextHinted(text, known, hinted);
  if (text.length > maxBytes) {
    return JSON.stringify({ truncated: true, original_length: text.length, prefix: text.slice(0, Math.max(0, maxBytes - 200)) });
  }
  return text;
}
