import type { IncomingMessage } from 'node:http';

/**
 * Whether a request's Origin may talk to this server: the server's own origin
 * (the Origin's host equals the Host the request was sent to) or one a centre
 * listed. Requests without an Origin come from non-browser clients (devices,
 * the Python interop clients, the CAD) and are not cross-site attacks; a
 * browser always sends Origin on WebSocket upgrades and cross-origin requests.
 */
export function originAllowed(req: Pick<IncomingMessage, 'headers'>, allowedOrigins: readonly string[]): boolean {
  const origin = req.headers.origin;
  if (origin === undefined) return true;
  if (typeof origin !== 'string' || origin === 'null') return false;
  if (allowedOrigins.includes(origin)) return true;
  let host: string;
  try {
    host = new URL(origin).host;
  } catch {
    return false;
  }
  return typeof req.headers.host === 'string' && host.toLowerCase() === req.headers.host.toLowerCase();
}

export const CROSS_ORIGIN_MESSAGE = 'Cross-origin request refused: this page is not served by Switchboard; add its origin with --allowed-origin if it should be.';
