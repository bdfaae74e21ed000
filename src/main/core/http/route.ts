import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { z } from 'zod';
import type { Identity, Role } from '../../../shared/roles';
import type { TokenService } from '../auth/tokens';
import { AppError, describeIssues } from '../errors';
import type { DocumentedRoute } from './openapi';
import { parseUntrusted } from '../../../shared/parseUntrusted';

export interface RouteRequest<Q, P, B> {
  query: Q;
  params: P;
  body: B;
  /** The caller; null only on public routes called without a token. */
  identity: Identity | null;
  ip: string;
  userAgent: string | null;
  raw: FastifyRequest;
  reply: FastifyReply;
}

export interface RouteSpec<Q extends z.ZodType, P extends z.ZodType, B extends z.ZodType, R extends z.ZodType> {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  url: string;
  summary: string;
  tags: string[];
  /** 'public', or the roles allowed (any token role in the list). */
  auth: 'public' | readonly Role[];
  query?: Q;
  params?: P;
  body?: B;
  response: R;
  errors?: number[];
  /** Largest request body this route accepts (default ROUTE_BODY_LIMIT_BYTES). */
  bodyLimitBytes?: number;
  handler(req: RouteRequest<z.output<Q>, z.output<P>, z.output<B>>): Promise<z.input<R>> | z.input<R>;
}

export interface Router {
  route<Q extends z.ZodType, P extends z.ZodType, B extends z.ZodType, R extends z.ZodType>(
    spec: RouteSpec<Q, P, B, R>
  ): void;
  documented(): readonly DocumentedRoute[];
}

function parsePart<S extends z.ZodType>(schema: S | undefined, value: unknown, where: string): z.output<S> {
  if (!schema) return undefined as z.output<S>;
  const parsed = parseUntrusted(schema, value ?? {});
  if (!parsed.success) throw new AppError('VALIDATION_FAILED', `Invalid ${where}: ${describeIssues(parsed.error.issues)}`);
  return parsed.data;
}

/** What a route accepts unless it says otherwise: every body the API takes is a small JSON object. */
export const ROUTE_BODY_LIMIT_BYTES = 64 * 1024;

export function bearerToken(req: FastifyRequest): string | undefined {
  const header = req.headers.authorization;
  if (typeof header === 'string' && header.startsWith('Bearer ')) return header.slice(7).trim();
  return undefined;
}

/**
 * Declares REST routes the one way the project allows: every part of the
 * request parsed by a shared schema, the caller authenticated and authorised
 * before the handler runs, and the route recorded for the OpenAPI document.
 */
export function createRouter(app: FastifyInstance, tokens: TokenService): Router {
  const docs: DocumentedRoute[] = [];
  const callers = new WeakMap<FastifyRequest, Identity | null>();
  return {
    route(spec) {
      docs.push({
        method: spec.method,
        url: spec.url,
        summary: spec.summary,
        tags: spec.tags,
        auth: spec.auth,
        query: spec.query,
        params: spec.params,
        body: spec.body,
        response: spec.response,
        errors: spec.errors
      });
      app.route({
        method: spec.method,
        url: spec.url,
        bodyLimit: spec.bodyLimitBytes ?? ROUTE_BODY_LIMIT_BYTES,
        // Authenticated at onRequest, before the body is read or parsed: an anonymous
        // caller cannot make the server parse (or even receive) a large body.
        onRequest: async (request) => {
          const token = bearerToken(request);
          let identity: Identity | null = null;
          if (spec.auth !== 'public' || token) identity = await tokens.verify(token);
          if (spec.auth !== 'public' && identity && !spec.auth.includes(identity.role)) {
            throw new AppError('FORBIDDEN', `Role "${identity.role}" may not ${spec.method} ${spec.url}.`);
          }
          callers.set(request, identity);
        },
        handler: async (request, reply) => {
          const identity = callers.get(request) ?? null;
          const result = await spec.handler({
            query: parsePart(spec.query, request.query, 'query parameters'),
            params: parsePart(spec.params, request.params, 'path parameters'),
            body: parsePart(spec.body, request.body, 'request body'),
            identity,
            ip: request.ip,
            userAgent: typeof request.headers['user-agent'] === 'string' ? request.headers['user-agent'] : null,
            raw: request,
            reply
          });
          if (reply.sent) return reply;
          return result;
        }
      });
    },
    documented: () => docs
  };
}
