import { ERROR_CODES } from '../../../src/shared/result';
import { bump, newTally, unclear, type FuzzTally } from './fuzzers';
import { HOSTILE_STRINGS, hostilePayload, hostileValue, int, pick, randomUnicode, seededRng, type Rng } from './payloads';

const KNOWN_CODES = new Set<string>(ERROR_CODES);
/** Lone surrogates replaced: URL encoding needs well-formed text (the raw bytes cases are sent separately). */
const wellFormed = (s: string) => s.replace(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, '\uFFFD');
const BODY_METHODS = new Set(['POST', 'PUT', 'PATCH']);

interface Route {
  method: string;
  path: string;
  params: string[];
  query: string[];
}

/** The routes the server documents, read from its own OpenAPI document. */
export async function documentedRoutes(url: string): Promise<Route[]> {
  const doc = (await (await fetch(`${url}/api/openapi.json`)).json()) as {
    paths: Record<string, Record<string, { parameters?: Array<{ in: string; name: string }> }>>;
  };
  const routes: Route[] = [];
  for (const [path, ops] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(ops)) {
      const parameters = op.parameters ?? [];
      routes.push({
        method: method.toUpperCase(),
        path,
        params: parameters.filter((p) => p.in === 'path').map((p) => p.name),
        query: parameters.filter((p) => p.in === 'query').map((p) => p.name)
      });
    }
  }
  return routes;
}

/** A path segment as a hostile client would send it, including broken percent-encoding. */
function hostileSegment(rng: Rng): string {
  const r = rng();
  if (r < 0.15) return pick(rng, ['%', '%zz', '%C0%AF', '%FF%FE', '%00', '..', '%2e%2e%2f', '%E2%80%AE']);
  const text = r < 0.6 ? pick(rng, HOSTILE_STRINGS) : randomUnicode(rng, int(rng, 1, 40));
  return encodeURIComponent(wellFormed(text)) || 'x';
}

function hostileQuery(rng: Rng, names: string[]): string {
  const params = new URLSearchParams();
  const n = int(rng, 0, 5);
  for (let i = 0; i < n; i += 1) {
    const key = names.length && rng() < 0.7 ? pick(rng, names) : wellFormed(pick(rng, HOSTILE_STRINGS));
    const value = rng() < 0.6 ? pick(rng, HOSTILE_STRINGS) : JSON.stringify(hostileValue(rng)) ?? '';
    params.append(key, wellFormed(value));
  }
  if (rng() < 0.03) params.append('big', 'q'.repeat(20_000));
  const text = params.toString();
  return text ? `?${text}` : rng() < 0.1 ? '?%zz=%' : '';
}

const parseJson = (text: string): unknown => {
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
};

export interface RestFuzzOptions {
  url: string;
  /** Tokens to present (the admin's reaches the handlers; others test the refusals on the way). */
  tokens: string[];
  count: number;
  concurrency: number;
  seed: number;
}

/**
 * Every documented REST route with hostile path parameters, query strings,
 * headers and bodies (wrong content types, broken JSON, too large). An answer
 * is clear when it is a success, or an error status with `{error:{code,message}}`
 * and a known code; any 500 is a failure.
 */
const ANSWER_DEADLINE_MS = 5 * 60_000;
/** Failures that happen before a request reaches the server: the machine, not the hub. */
const NOT_SENT = new Set(['ECONNREFUSED', 'UND_ERR_CONNECT_TIMEOUT', 'EADDRNOTAVAIL', 'EAGAIN']);

/**
 * fetch, retried while the request could not even be sent (connect refused or timed
 * out because the machine is saturated). Anything after the request left is the
 * server's answer, or its silence, and is judged by the caller.
 */
async function fetchOnceSent(url: string, init: RequestInit): Promise<Response> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await fetch(url, init);
    } catch (err) {
      const code = (err as { cause?: { code?: string } }).cause?.code;
      if (!code || !NOT_SENT.has(code) || attempt >= 5 || init.signal?.aborted) throw err;
    }
  }
}

export async function fuzzRest(o: RestFuzzOptions): Promise<FuzzTally & { serverErrors: number; offContract: number; offContractExamples: string[] }> {
  /** offContract: an error answer, but in a framework's own shape rather than `{error:{code,message}}`. */
  const tally = Object.assign(newTally('REST endpoints'), { serverErrors: 0, offContract: 0, offContractExamples: [] as string[] });
  const all = await documentedRoutes(o.url);
  // Routes whose success walks or copies the whole log (verify, export, retention, statistics) are
  // tried, but less often: a thousand full-log verifications would measure the disk, not the parsing.
  const heavy = /verify|export|retention|statistics|timeseries/;
  const routes = all.flatMap((r) => (heavy.test(r.path) ? [r] : [r, r, r, r, r, r, r, r, r, r]));
  const rng = seededRng(o.seed + 30_000);
  let next = 0;
  const worker = async () => {
    while (next < o.count) {
      next += 1;
      const route = pick(rng, routes);
      const method = rng() < 0.85 ? route.method : pick(rng, ['GET', 'POST', 'PUT', 'PATCH', 'DELETE']);
      let path = route.path;
      for (const p of route.params) path = path.replace(`{${p}}`, hostileSegment(rng));
      if (rng() < 0.05) path = `/api/v1/${hostileSegment(rng)}`;
      const headers: Record<string, string> = {};
      const who = rng();
      if (who < 0.8) headers.authorization = `Bearer ${pick(rng, o.tokens)}`;
      else if (who < 0.9) headers.authorization = pick(rng, ['Bearer ', 'Bearer x.y.z', 'Basic YWRhOmh1bnRlcjI=', `Bearer ${'a'.repeat(9000)}`]);
      let body: string | Buffer | undefined;
      if (BODY_METHODS.has(method) || (method === 'DELETE' && rng() < 0.3)) {
        const shape = rng();
        if (shape < 0.7) {
          body = hostilePayload(rng, 'device_data').json ?? '';
          headers['content-type'] = 'application/json';
        } else if (shape < 0.8) {
          body = pick(rng, ['{', '{"a":', '[1,', 'nul', '\u0000', '{"__proto__":{"admin":true}}']);
          headers['content-type'] = 'application/json';
        } else if (shape < 0.9) {
          body = JSON.stringify(hostileValue(rng));
          headers['content-type'] = pick(rng, ['text/plain', 'application/x-www-form-urlencoded', 'application/xml', 'multipart/form-data; boundary=x', 'application/json; charset=utf-16']);
        } else if (shape < 0.98) {
          body = Buffer.from(Array.from({ length: int(rng, 1, 256) }, () => int(rng, 0, 255)));
          headers['content-type'] = 'application/octet-stream';
        } else {
          body = JSON.stringify({ filler: 'z'.repeat(1_100_000) });
          headers['content-type'] = 'application/json';
        }
      }
      const what = `${method} ${path.slice(0, 80)}`;
      tally.tried += 1;
      bump(tally.kinds, route.path);
      const abort = new AbortController();
      // A saturated machine answers late, not never: the deadline is generous and says so.
      const timer = setTimeout(() => abort.abort(new Error(`no answer within ${ANSWER_DEADLINE_MS} ms`)), ANSWER_DEADLINE_MS);
      try {
        const res = await fetchOnceSent(`${o.url}${path}${hostileQuery(rng, route.query)}`, { method, headers, body, signal: abort.signal });
        if ((res.headers.get('content-type') ?? '').includes('text/event-stream')) {
          // An SSE stream opened: that is a success; close it.
          await res.body?.cancel();
          bump(tally.answers, String(res.status));
          continue;
        }
        const text = await res.text();
        bump(tally.answers, String(res.status));
        if (res.status >= 500 && !(res.status === 503 && route.path.endsWith('/health'))) tally.serverErrors += 1;
        if (res.status >= 400 && !(res.status === 503 && route.path.endsWith('/health'))) {
          const parsed = parseJson(text) as { error?: { code?: unknown; message?: unknown } } | null;
          const e = parsed?.error;
          if (!e || typeof e.code !== 'string' || !KNOWN_CODES.has(e.code) || typeof e.message !== 'string' || !e.message) {
            if (parsed && typeof parsed === 'object') {
              tally.offContract += 1;
              if (tally.offContractExamples.length < 3) tally.offContractExamples.push(`${what} -> ${res.status} ${text.slice(0, 160)}`);
            } else unclear(tally, `${what} -> ${res.status} ${text.slice(0, 120)}`);
          }
        }
      } catch (err) {
        // The server answers an over-limit body with 413 as soon as the limit is
        // crossed and closes the connection; the client may still be uploading
        // and see the reset instead of the answer. That is a refusal, not silence.
        const oversizedUpload = body !== undefined && body.length > 1024 * 1024;
        if (oversizedUpload && !abort.signal.aborted) bump(tally.answers, '413 (reset during upload)');
        else unclear(tally, `${what} -> ${(err as Error).message}`);
      } finally {
        clearTimeout(timer);
      }
    }
  };
  await Promise.all(Array.from({ length: o.concurrency }, worker));
  return tally;
}
