import fastifyStatic from '@fastify/static';
import Fastify, { type FastifyInstance } from 'fastify';
import fs from 'node:fs';
import path from 'node:path';
import type { Logger } from 'pino';
import { Server as SocketIOServer } from 'socket.io';
import { HTTP_STATUS } from '../../../shared/result';
import type { TokenService } from '../auth/tokens';
import { AppError, toErrorBody } from '../errors';
import { buildOpenApiDocument } from './openapi';
import { CROSS_ORIGIN_MESSAGE, originAllowed } from './origin';
import { boundedRecoveryAdapter, singleDeviceOwner } from '../hub/recoveryAdapter';
import { refuseNewEngineConnections, releaseEngineClients } from './engineRelease';
import { applyRequestTimeouts, capConnectionsPerAddress, installJsonDepthLimit, installSecurityHeaders, type ConnectionCap } from './requestGuards';
import { OPERATOR_ROLES } from '../../../shared/roles';
import { bearerToken, createRouter, ROUTE_BODY_LIMIT_BYTES, type Router } from './route';
import { SecurityConfigSchema, type SecurityConfig } from './securityConfig';
import { loadTlsOptions, watchCertificates } from './tls';

export interface HttpServer {
  app: FastifyInstance;
  security: SecurityConfig;
  io: SocketIOServer;
  router: Router;
  /** 'https' when serving TLS natively. */
  scheme: 'http' | 'https';
  connectionCap: ConnectionCap;
  /** Starts listening; returns the bound port (useful with port 0). */
  listen(host: string, port: number): Promise<number>;
  /**
   * Registers a step that runs first when closing, while every transport is still
   * open (the hub stops taking events and answers those it took).
   */
  onDrain(step: () => Promise<void>): void;
  /** Drains, lets Socket.IO clients go so they reconnect, then stops HTTP (WebSocket 1012, SSE ended). */
  close(): Promise<void>;
}

export interface HttpServerOptions {
  logger: Logger;
  tokens: TokenService;
  version: string;
  rendererDir?: string;
  bodyLimitBytes?: number;
  security?: SecurityConfig;
}

/** Sends the one error shape every route shares. */
function sendError(reply: import('fastify').FastifyReply, err: AppError | { code: string; message: string; status: number }) {
  const body = err instanceof AppError ? err.toBody() : { code: err.code, message: err.message };
  const status = err instanceof AppError ? HTTP_STATUS[err.code] : err.status;
  return reply.status(status).send({ error: body });
}

export function createHttpServer(options: HttpServerOptions): HttpServer {
  const { logger, tokens } = options;
  const security = options.security ?? SecurityConfigSchema.parse({});
  const tls = loadTlsOptions(security);
  // Typed as the base logger so routes and plugins see the standard FastifyInstance.
  const app: FastifyInstance = Fastify({
    loggerInstance: logger.child({ domain: 'http' }) as unknown as import('fastify').FastifyBaseLogger,
    disableRequestLogging: true,
    ...(tls ? { https: tls } : {}),
    trustProxy: security.trustProxy,
    bodyLimit: options.bodyLimitBytes ?? ROUTE_BODY_LIMIT_BYTES,
    forceCloseConnections: true,
    return503OnClosing: true,
    // Errors Fastify raises before routing (a URL that is not valid percent-encoding).
    frameworkErrors: (err, _request, reply: import('fastify').FastifyReply) => {
      const badUrl = (err as { code?: string }).code === 'FST_ERR_BAD_URL';
      void reply.status(400).send({
        error: { code: 'VALIDATION_FAILED', message: badUrl ? 'Malformed URL: invalid percent-encoding.' : 'Malformed request.' }
      });
    },
    // Requests Node rejects before routing (oversized headers, broken HTTP) still
    // get the one error shape, written by hand because no route runs for them.
    clientErrorHandler: (err, socket) => {
      const [status, reason, code, message] = parserRefusal((err as { code?: string }).code, security);
      const body = JSON.stringify({ error: { code, message } });
      if (socket.writable) {
        socket.end(
          `HTTP/1.1 ${status} ${reason}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`
        );
      } else socket.destroy();
    }
  });
  const router = createRouter(app, tokens);
  installJsonDepthLimit(app, security.jsonMaxDepth);
  installSecurityHeaders(app);
  applyRequestTimeouts(app.server, security);
  // Behind a trusted proxy every connection comes from the proxy's address: hub connections are
  // capped by their forwarded address instead (hub/connectionAdmission.ts).
  const connectionCap = capConnectionsPerAddress(app.server, security.trustProxy ? Infinity : security.maxConnectionsPerAddress, logger.child({ domain: 'http' }));
  const stopWatchingCertificates = tls ? watchCertificates(app.server as unknown as import('node:tls').Server, security, logger.child({ domain: 'tls' })) : () => undefined;

  app.setErrorHandler((err, request, reply) => {
    if (err instanceof AppError) return sendError(reply, err);
    const fastifyErr = err as { statusCode?: number; code?: string; message?: string };
    if (fastifyErr.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
      return sendError(reply, { code: 'PAYLOAD_TOO_LARGE', message: 'Request body is too large.', status: 413 });
    }
    if (fastifyErr.statusCode && fastifyErr.statusCode < 500) {
      return sendError(reply, {
        code: 'VALIDATION_FAILED',
        message: `Bad request: ${fastifyErr.message ?? 'malformed'}`,
        status: fastifyErr.statusCode
      });
    }
    request.log.error({ err, url: request.url }, 'request failed');
    const body = toErrorBody(err);
    return reply.status(500).send({ error: body });
  });

  const rendererIndex = options.rendererDir ? path.join(options.rendererDir, 'index.html') : undefined;
  const hasRenderer = rendererIndex !== undefined && fs.existsSync(rendererIndex);
  if (hasRenderer && options.rendererDir) {
    void app.register(fastifyStatic, { root: options.rendererDir, index: ['index.html'], wildcard: false });
  }

  app.setNotFoundHandler((request, reply) => {
    const url = request.url.split('?')[0] ?? '';
    const isApi = /^\/(api|realtime|metrics|socket\.io)(\/|$)/.test(url);
    if (!isApi && request.method === 'GET' && hasRenderer && options.rendererDir) {
      // The console is a single-page app: deep links load index.html.
      return reply.type('text/html').sendFile('index.html', options.rendererDir);
    }
    return sendError(reply, { code: 'NOT_FOUND', message: `No route for ${request.method} ${url}.`, status: 404 });
  });

  // Anonymous callers learn only the routes they may call; the whole map of the API is for operators.
  app.get('/api/openapi.json', async (request) => {
    const token = bearerToken(request);
    const identity = token ? await tokens.verify(token) : null;
    const operator = identity !== null && (OPERATOR_ROLES as readonly string[]).includes(identity.role);
    return buildOpenApiDocument(operator ? router.documented() : router.documented().filter((r) => r.auth === 'public'), options.version);
  });

  const io = new SocketIOServer(app.server, {
    serveClient: false,
    maxHttpBufferSize: 1024 * 1024,
    pingInterval: 25_000,
    pingTimeout: 20_000,
    // A device that drops for a few seconds gets what it missed; the replay
    // buffer is bounded in bytes and packets so bursts cannot exhaust memory.
    connectionStateRecovery: { maxDisconnectionDuration: 60_000, skipMiddlewares: false },
    // A page on another site must not open a Socket.IO session with a visitor's browser.
    allowRequest: (req, callback) => callback(originAllowed(req, security.allowedOrigins) ? null : CROSS_ORIGIN_MESSAGE, originAllowed(req, security.allowedOrigins)),
    adapter: boundedRecoveryAdapter(32 * 1024 * 1024, 50_000, singleDeviceOwner)
  });

  const drains: Array<() => Promise<void>> = [];
  return {
    app,
    security,
    io,
    router,
    onDrain: (step) => void drains.push(step),
    scheme: tls ? 'https' : 'http',
    connectionCap,
    async listen(host, port) {
      await app.listen({ host, port });
      const address = app.server.address();
      return typeof address === 'object' && address ? address.port : port;
    },
    async close() {
      // A planned stop is a restart to every client (docs/hub-protocol.md, "Restarts"):
      // answer what was taken, close transports (never a Socket.IO disconnect, which
      // clients take as final), then HTTP stops (refusing new requests, cutting
      // keep-alives and long-polls; WebSocket and SSE end in its preClose hooks).
      stopWatchingCertificates();
      refuseNewEngineConnections(io);
      for (const drain of drains) await drain().catch((err: unknown) => logger.warn({ err }, 'drain step failed'));
      await releaseEngineClients(io, 2_000);
      await app.close();
      await new Promise<void>((resolve) => io.close(() => resolve()));
    }
  };
}

/**
 * What a request Node refused before routing is told. A request that did not
 * arrive within the server's timeouts (a slow sender, or a server too busy to read
 * it in time) is 408, which says "send it again", not 400, which says "do not".
 */
function parserRefusal(errCode: string | undefined, limits: { headersTimeoutMs: number; requestTimeoutMs: number }): [number, string, string, string] {
  if (errCode === 'HPE_HEADER_OVERFLOW') return [431, 'Request Header Fields Too Large', 'PAYLOAD_TOO_LARGE', 'Request headers are too large.'];
  if (errCode === 'ERR_HTTP_REQUEST_TIMEOUT') {
    const message = `The request did not arrive in time (headers within ${limits.headersTimeoutMs / 1000} s, the whole request within ${limits.requestTimeoutMs / 1000} s); send it again.`;
    return [408, 'Request Timeout', 'EXPIRED', message];
  }
  return [400, 'Bad Request', 'VALIDATION_FAILED', 'Malformed HTTP request.'];
}
