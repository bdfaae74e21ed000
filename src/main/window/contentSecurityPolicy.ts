import type { Session } from 'electron';

export { buildContentSecurityPolicy, type CspOptions } from '../core/http/contentSecurityPolicy';

type HeaderMap = Record<string, string | string[]>;

/**
 * Returns the response headers with our CSP in place of any the response
 * carried (whatever its header-name casing), so a page cannot loosen it.
 */
export function withContentSecurityPolicy(headers: HeaderMap | undefined, csp: string): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const [name, value] of Object.entries(headers ?? {})) {
    if (name.toLowerCase() === 'content-security-policy') continue;
    out[name] = Array.isArray(value) ? value : [value];
  }
  out['Content-Security-Policy'] = [csp];
  return out;
}

/** Stamps the CSP header on every response the console's session receives. */
export function installContentSecurityPolicy(session: Pick<Session, 'webRequest'>, csp: string): void {
  session.webRequest.onHeadersReceived((details, callback) => {
    callback({ responseHeaders: withContentSecurityPolicy(details.responseHeaders, csp) });
  });
}
