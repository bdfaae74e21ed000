import type { IncomingMessage } from 'node:http';

/** Longest forwarded address kept: an IPv6 address with a zone fits; a header stuffed with text does not reach the log. */
const MAX_ADDRESS_CHARS = 64;

/**
 * The client's address. Behind a TLS-terminating proxy (`--trust-proxy`) it is
 * the first address of X-Forwarded-For, as Fastify's `trustProxy: true` takes
 * it for HTTP routes (request.ip), so a device has one address in every log
 * row and limit whichever transport it uses; otherwise the TCP peer.
 */
export function clientAddress(req: IncomingMessage, trustProxy: boolean): string | null {
  if (trustProxy) {
    const header = req.headers['x-forwarded-for'];
    const list = Array.isArray(header) ? header.join(',') : header;
    if (list) {
      for (const part of list.split(',')) {
        const address = part.trim();
        if (address) return address.slice(0, MAX_ADDRESS_CHARS);
      }
    }
  }
  return req.socket?.remoteAddress ?? null;
}
