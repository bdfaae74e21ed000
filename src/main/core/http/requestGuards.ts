import type { FastifyInstance } from 'fastify';
import type { Server } from 'node:http';
import type { Socket } from 'node:net';
import type { Logger } from 'pino';
import { AppError } from '../errors';
import { buildContentSecurityPolicy } from './contentSecurityPolicy';

/**
 * Deepest nesting in a JSON text, counted without parsing it, stopping as soon
 * as `limit` is passed: a deeply nested body is refused in one linear scan
 * instead of being built into objects first.
 */
export function jsonDepthExceeds(text: string, limit: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 92 /* \ */) i++;
      else if (c === 34 /* " */) inString = false;
    } else if (c === 34) inString = true;
    else if (c === 123 /* { */ || c === 91 /* [ */) {
      if (++depth > limit) return true;
    } else if (c === 125 /* } */ || c === 93 /* ] */) depth--;
  }
  return false;
}

/** Replaces Fastify's JSON body parser with the same parser behind a depth check. */
export function installJsonDepthLimit(app: FastifyInstance, maxDepth: number): void {
  const parse = app.getDefaultJsonParser('error', 'error');
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    if (jsonDepthExceeds(body as string, maxDepth)) {
      done(new AppError('VALIDATION_FAILED', `JSON body is nested deeper than ${maxDepth} levels.`), undefined);
      return;
    }
    parse(request, body as string, done);
  });
}

/**
 * Slow senders cannot hold a connection for ever: the headers must arrive
 * within `headersTimeoutMs` and the whole request within `requestTimeoutMs`.
 * Upgraded sockets (WebSocket, Socket.IO) and streamed responses (SSE) are not
 * requests in progress, so they are not cut by these.
 */
export function applyRequestTimeouts(server: Server, options: { requestTimeoutMs: number; headersTimeoutMs: number }): void {
  server.requestTimeout = options.requestTimeoutMs;
  server.headersTimeout = Math.min(options.headersTimeoutMs, options.requestTimeoutMs);
  // Node checks the two timeouts on this interval; the default (30 s) would let a slow sender run well past them.
  (server as Server & { connectionsCheckingInterval?: number }).connectionsCheckingInterval = Math.min(1_000, options.headersTimeoutMs);
}

export interface ConnectionCap {
  /** Open connections per address now (tests and stats). */
  open(address: string): number;
  refusedTotal(): number;
}

/**
 * Caps open TCP connections per client address. Past the cap a new connection
 * is closed at once, before any byte of it is read; one warning per address per
 * minute says so (not one per connection, which a flood would turn into a log flood).
 */
export function capConnectionsPerAddress(server: Server, max: number, logger: Pick<Logger, 'warn'>): ConnectionCap {
  const open = new Map<string, number>();
  const warnedAt = new Map<string, number>();
  let refused = 0;
  server.on('connection', (socket: Socket) => {
    const address = socket.remoteAddress ?? 'unknown';
    const count = open.get(address) ?? 0;
    if (count >= max) {
      refused += 1;
      const now = Date.now();
      if (now - (warnedAt.get(address) ?? 0) > 60_000) {
        if (warnedAt.size > 10_000) warnedAt.clear();
        warnedAt.set(address, now);
        logger.warn({ ip: address, max }, 'connection refused: too many open connections from this address');
      }
      socket.destroy();
      return;
    }
    open.set(address, count + 1);
    socket.once('close', () => {
      const left = (open.get(address) ?? 1) - 1;
      if (left <= 0) open.delete(address);
      else open.set(address, left);
    });
  });
  return { open: (address) => open.get(address) ?? 0, refusedTotal: () => refused };
}

/** Headers that make a browser refuse to frame, sniff or leak the console. */
export function installSecurityHeaders(app: FastifyInstance): void {
  const csp = buildContentSecurityPolicy({});
  app.addHook('onSend', async (_request, reply, payload) => {
    reply.header('X-Content-Type-Options', 'nosniff');
    reply.header('Referrer-Policy', 'no-referrer');
    const type = String(reply.getHeader('content-type') ?? '');
    if (type.startsWith('text/html')) reply.header('Content-Security-Policy', csp);
    return payload;
  });
}
