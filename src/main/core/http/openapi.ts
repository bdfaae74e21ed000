import { z } from 'zod';

export interface DocumentedRoute {
  method: string;
  url: string;
  summary: string;
  tags: string[];
  auth: 'public' | readonly string[];
  query?: z.ZodType;
  params?: z.ZodType;
  body?: z.ZodType;
  response: z.ZodType;
  /** Statuses other than 200 the route answers with (errors share one shape). */
  errors?: number[];
}

const ERROR_BODY = {
  type: 'object',
  required: ['error'],
  properties: {
    error: {
      type: 'object',
      required: ['code', 'message'],
      properties: { code: { type: 'string' }, message: { type: 'string' } }
    }
  }
};

const jsonSchema = (schema: z.ZodType): Record<string, unknown> => {
  try {
    return z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>;
  } catch {
    return {};
  }
};

const toOpenApiPath = (url: string): string => url.replace(/:([A-Za-z_]+)/g, '{$1}');

function parametersOf(schema: z.ZodType | undefined, where: 'query' | 'path'): unknown[] {
  if (!schema) return [];
  const json = jsonSchema(schema) as { properties?: Record<string, unknown>; required?: string[] };
  return Object.entries(json.properties ?? {}).map(([name, s]) => ({
    name,
    in: where,
    required: where === 'path' || (json.required ?? []).includes(name),
    schema: s
  }));
}

/** Builds the OpenAPI 3.1 document from the routes as they were declared. */
export function buildOpenApiDocument(routes: readonly DocumentedRoute[], version: string): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const route of routes) {
    const path = toOpenApiPath(route.url);
    const responses: Record<string, unknown> = {
      '200': { description: 'OK', content: { 'application/json': { schema: jsonSchema(route.response) } } }
    };
    const statuses = new Set([400, 500, ...(route.auth === 'public' ? [] : [401, 403]), ...(route.errors ?? [])]);
    for (const status of statuses) {
      responses[String(status)] = {
        description: 'Error',
        content: { 'application/json': { schema: ERROR_BODY } }
      };
    }
    paths[path] ??= {};
    paths[path][route.method.toLowerCase()] = {
      summary: route.summary,
      tags: route.tags,
      security: route.auth === 'public' ? [] : [{ bearer: [] }],
      'x-roles': route.auth === 'public' ? 'public' : route.auth,
      parameters: [...parametersOf(route.params, 'path'), ...parametersOf(route.query, 'query')],
      ...(route.body
        ? { requestBody: { required: true, content: { 'application/json': { schema: jsonSchema(route.body) } } } }
        : {}),
      responses
    };
  }
  return {
    openapi: '3.1.0',
    info: { title: 'Switchboard', version, description: 'Realtime hub, socket log and CAD bridge of the Switchboard console.' },
    components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } } },
    paths
  };
}
