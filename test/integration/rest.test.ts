import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { startTestCore, tokenFor, type TestCore } from '../helpers/core';

let running: TestCore | undefined;
afterEach(async () => {
  await running?.close();
  running = undefined;
});

/** A route declared the project's way, on a live core, to prove the conventions. */
async function coreWithProbeRoute() {
  running = await startTestCore({}, (ctx) => ctx.http.router.route({
    method: 'GET',
    url: '/api/v1/probe/:id',
    summary: 'Probe route for the REST conventions test.',
    tags: ['test'],
    auth: ['supervisor', 'admin'],
    params: z.object({ id: z.string().regex(/^[A-Z]\d+$/) }),
    query: z.object({ limit: z.coerce.number().int().min(1).max(1000).default(100) }),
    response: z.object({ id: z.string(), limit: z.number(), caller: z.string() }),
    handler: ({ params, query, identity }) => ({ id: params.id, limit: query.limit, caller: identity!.sub })
  }));
  return running.core;
}

describe('REST conventions', () => {
  it('parses params and query, authenticates, authorises and documents the route', async () => {
    const core = await coreWithProbeRoute();
    const admin = await tokenFor(core, { sub: 'ann', role: 'admin' });
    const ok = await fetch(`${core.url}/api/v1/probe/H1?limit=5`, { headers: { authorization: `Bearer ${admin}` } });
    expect(ok.status).toBe(200);
    expect(await ok.json()).toEqual({ id: 'H1', limit: 5, caller: 'ann' });

    type Doc = { paths: Record<string, Record<string, { parameters: Array<{ name: string; in: string }>; responses: Record<string, unknown> }>> };
    // The whole map of the API is for operators; anonymous callers see only public routes.
    const doc = (await (await fetch(`${core.url}/api/openapi.json`, { headers: { authorization: `Bearer ${admin}` } })).json()) as Doc;
    const anonymous = (await (await fetch(`${core.url}/api/openapi.json`)).json()) as Doc;
    expect(anonymous.paths['/api/v1/probe/{id}']).toBeUndefined();
    const op = doc.paths['/api/v1/probe/{id}']?.get;
    expect(op?.parameters.map((p) => `${p.in}:${p.name}`)).toEqual(['path:id', 'query:limit']);
    expect(Object.keys(op?.responses ?? {})).toEqual(expect.arrayContaining(['200', '400', '401', '403']));
  });

  it('answers bad input 400, no token 401, a bad token 401 and a wrong role 403, all in one error shape', async () => {
    const core = await coreWithProbeRoute();
    const admin = await tokenFor(core, { sub: 'ann', role: 'admin' });
    const patient = await tokenFor(core, { sub: 'p1', role: 'patient', patient_id: 'P1' });
    const cases: Array<[string, Record<string, string>, number, string]> = [
      ['/api/v1/probe/H1?limit=5000', { authorization: `Bearer ${admin}` }, 400, 'VALIDATION_FAILED'],
      ['/api/v1/probe/lowercase', { authorization: `Bearer ${admin}` }, 400, 'VALIDATION_FAILED'],
      ['/api/v1/probe/H1', {}, 401, 'UNAUTHENTICATED'],
      ['/api/v1/probe/H1', { authorization: 'Bearer not-a-token' }, 401, 'TOKEN_INVALID'],
      ['/api/v1/probe/H1', { authorization: `Bearer ${patient}` }, 403, 'FORBIDDEN']
    ];
    for (const [url, headers, status, code] of cases) {
      const res = await fetch(`${core.url}${url}`, { headers });
      expect({ url, status: res.status }).toEqual({ url, status });
      const body = (await res.json()) as { error: { code: string; message: string } };
      expect(body.error.code).toBe(code);
      expect(body.error.message.length).toBeGreaterThan(5);
    }
  });

  it('refuses malformed JSON bodies with a 400 in the shared shape', async () => {
    running = await startTestCore({}, (ctx) => ctx.http.router.route({
      method: 'POST',
      url: '/api/v1/probe-body',
      summary: 'Body probe.',
      tags: ['test'],
      auth: 'public',
      body: z.object({ n: z.number() }),
      response: z.object({ n: z.number() }),
      handler: ({ body }) => body
    }));
    const core = running.core;
    const res = await fetch(`${core.url}/api/v1/probe-body`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"n": '
    });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('VALIDATION_FAILED');
    const wrongType = await fetch(`${core.url}/api/v1/probe-body`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"n": "seven"}'
    });
    expect(wrongType.status).toBe(400);
  });
});

describe('requests refused before routing', () => {
  it('answers oversized headers with 431 in the shared error shape', async () => {
    running = await startTestCore();
    const res = await fetch(`${running.core.url}/api/openapi.json`, { headers: { 'x-padding': 'a'.repeat(64 * 1024) } });
    expect(res.status).toBe(431);
    expect(await res.json()).toEqual({ error: { code: 'PAYLOAD_TOO_LARGE', message: 'Request headers are too large.' } });
  });
});

describe('malformed URLs', () => {
  it('answers invalid percent-encoding with 400 in the shared error shape', async () => {
    running = await startTestCore();
    const res = await fetch(`${running.core.url}/api/v1/socket-logs/exports/%zz`);
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({ error: { code: 'VALIDATION_FAILED', message: 'Malformed URL: invalid percent-encoding.' } });
  });
});
