import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CallContext } from '../../../src/main/core/contract/registry';
import { startTestCore, tokenFor, type TestCore } from '../../helpers/core';

let t: TestCore;
let tokens: Record<string, string>;
const BASE = '/api/v1/socket-logs';
const get = async (path: string, token?: string) => {
  const res = await fetch(`${t.core.url}${BASE}${path}`, { headers: token ? { authorization: `Bearer ${token}` } : {} });
  const text = await res.text();
  return { status: res.status, body: text.startsWith('{') || text.startsWith('[') ? (JSON.parse(text) as unknown) : text };
};
const as = (username: string, role: 'dispatcher' | 'supervisor' | 'admin' | 'auditor'): CallContext => ({ operator: { username, role }, transport: 'socket' });

beforeAll(async () => {
  t = await startTestCore();
  const log = t.core.services.log;
  // Two patients' requests, routed to two hospitals; one answered, one failed; plus connects.
  const r1 = await log.createSocketLog({ eventType: 'ambulance_request', socketId: 'a', userId: 'p1', userRole: 'patient', patientLatitude: 51.5, patientLongitude: -0.12 });
  const r2 = await log.createSocketLog({ eventType: 'ambulance_request', socketId: 'b', userId: 'p2', userRole: 'patient' });
  await log.updateSocketLog(r1.id, { status: 'success', hospitalId: 'H1', hospitalName: 'St Mary', distanceKm: 1.2, responseTimeMs: 4000 });
  await log.updateSocketLog(r2.id, { status: 'failed', hospitalId: 'H2', errorMessage: 'no beds', responseTimeMs: 2000 });
  await log.createSocketLog({ eventType: 'hospital_response', socketId: 'c', userId: 'h1-desk', userRole: 'hospital', hospitalId: 'H1', status: 'success' });
  await log.createSocketLog({ eventType: 'connect', socketId: 'a', userId: 'p1', userRole: 'patient', status: 'success' });
  await log.createSocketLog({ eventType: 'connect', socketId: 'x', status: 'failed', errorMessage: 'Token expired' });
  tokens = {
    supervisor: await tokenFor(t.core, { sub: 'sam', role: 'supervisor' }),
    admin: await tokenFor(t.core, { sub: 'ada', role: 'admin' }),
    auditor: await tokenFor(t.core, { sub: 'aud', role: 'auditor' }),
    dispatcher: await tokenFor(t.core, { sub: 'dan', role: 'dispatcher' }),
    patient: await tokenFor(t.core, { sub: 'p1', role: 'patient' }),
    hospital: await tokenFor(t.core, { sub: 'h1-desk', role: 'hospital', hospital_id: 'H1' }),
    hospitalNoClaim: await tokenFor(t.core, { sub: 'h?', role: 'hospital' })
  };
});
afterAll(async () => {
  await t?.close();
});

describe('socket log REST endpoints', () => {
  it('answers 401 without a token and 403 for a role that may not read the whole log', async () => {
    expect(await get('/statistics')).toMatchObject({ status: 401, body: { error: { code: 'UNAUTHENTICATED' } } });
    expect(await get('/ambulance-requests', tokens.patient)).toMatchObject({ status: 403, body: { error: { code: 'FORBIDDEN' } } });
    expect((await get('/by-time-range?start_date=2020-01-01&end_date=2030-01-01', tokens.dispatcher)).status).toBe(403);
    expect((await get('/access-log', tokens.supervisor)).status).toBe(403);
    expect((await get('/ambulance-requests/my-hospital', tokens.supervisor)).status).toBe(403);
    expect(await get('/ambulance-requests/my-hospital', tokens.hospitalNoClaim)).toMatchObject({ status: 403, body: { error: { message: expect.stringMatching(/hospital_id/) } } });
  });

  it('refuses bad parameters with 400 and a sentence saying what is wrong', async () => {
    const cases: Array<[string, RegExp]> = [
      ['/ambulance-requests?limit=5000', /limit.*<=1000/],
      ['/ambulance-requests?start_date=2025-08-02&end_date=2025-08-01', /end_date is before start_date/],
      ['/ambulance-requests?start_date=yesterday', /"yesterday" is not a date/],
      ['/by-event-type/bad%20type!', /event type/],
      ['/by-time-range?start_date=2025-01-01', /end_date/],
      ['/by-time-range?start_date=2025-01-01&end_date=2025-02-01&user_roles=wizard', /user_roles/],
      ['/recent-activity?hours=500', /hours/],
      ['/ambulance-requests?status=maybe', /status/],
      ['/my-logs?surprise=1', /surprise/]
    ];
    for (const [path, message] of cases) {
      const res = await get(path, tokens.supervisor);
      expect(res.status, path).toBe(400);
      expect(res.body, path).toMatchObject({ error: { code: 'VALIDATION_FAILED', message: expect.stringMatching(message) } });
    }
  });

  it('serves the seed queries with the seed field names', async () => {
    const mine = (await get('/my-logs', tokens.patient)).body as Array<{ user_id: string }>;
    expect(mine.length).toBe(2);
    expect(mine.every((r) => r.user_id === 'p1')).toBe(true);

    const requests = (await get('/ambulance-requests?hospital_id=H1&status=success', tokens.supervisor)).body as Array<Record<string, unknown>>;
    expect(requests).toHaveLength(1);
    expect(requests[0]).toMatchObject({
      event_type: 'ambulance_request',
      user_id: 'p1',
      hospital_id: 'H1',
      hospital_name: 'St Mary',
      distance_km: 1.2,
      patient_latitude: 51.5,
      status: 'success',
      processed: true,
      response_time_ms: 4000,
      created_at: expect.stringMatching(/Z$/),
      processed_at: expect.stringMatching(/Z$/)
    });
    const forH1 = (await get('/ambulance-requests/my-hospital', tokens.hospital)).body as Array<{ hospital_id: string }>;
    expect(forH1.map((r) => r.hospital_id)).toEqual(['H1']);
    expect(((await get('/hospital-responses', tokens.auditor)).body as unknown[]).length).toBe(1);
    expect(((await get('/by-event-type/connect?limit=1', tokens.admin)).body as unknown[]).length).toBe(1);
    const ranged = (await get('/by-time-range?start_date=2020-01-01T00:00:00Z&end_date=2099-01-01&event_types=connect&event_types=hospital_response&user_roles=hospital', tokens.admin)).body as Array<{ event_type: string }>;
    expect(ranged.map((r) => r.event_type)).toEqual(['hospital_response']);
  });

  it('computes the seed statistics plus response time, error rate and failed connections', async () => {
    const { status, body } = await get('/statistics', tokens.supervisor);
    expect(status).toBe(200);
    expect(body).toMatchObject({
      total_events: 5,
      events_by_type: { ambulance_request: 2, hospital_response: 1, connect: 2 },
      events_by_status: { success: 3, failed: 2 },
      events_by_role: { patient: 3, hospital: 1, unknown: 1 },
      ambulance_requests: 2,
      ambulance_responses: 1,
      response_rate: 50,
      avg_response_time_ms: 3000,
      error_rate: 40,
      failed_connections: 1,
      time_range: { start_date: expect.any(String), end_date: expect.any(String) }
    });
    const recent = (await get('/recent-activity?hours=1', tokens.supervisor)).body as { total_events: number; activity_summary: Record<string, unknown> };
    expect(recent.total_events).toBe(5);
    expect(recent.activity_summary.ambulance_request).toEqual({ count: 2, success_count: 1, failed_count: 1, last_activity: expect.any(String) });
    // A patient asking for recent activity sees only their own rows.
    const own = (await get('/recent-activity', tokens.patient)).body as { total_events: number; recent_logs: Array<{ user_id: string }> };
    expect(own.total_events).toBe(2);
    expect(own.recent_logs.every((r) => r.user_id === 'p1')).toBe(true);
  });

  it('records every read in the access log, which admins and auditors can query', async () => {
    await get('/ambulance-requests?hospital_id=H2', tokens.supervisor);
    const { body } = await get('/access-log?actor=sam&limit=5', tokens.auditor);
    const latest = (body as { rows: Array<Record<string, unknown>> }).rows[0];
    expect(latest).toMatchObject({ actor: 'sam', actor_role: 'supervisor', channel: 'rest', query: 'ambulance-requests', row_count: 1, params: { hospital_id: 'H2', limit: 100, offset: 0 } });
    // Reading the access log is itself recorded.
    const again = (await get('/access-log?actor=aud&limit=1', tokens.admin)).body as { rows: Array<{ query: string }> };
    expect(again.rows[0]!.query).toBe('access-log');
  });
});

describe('the same log through the console contract', () => {
  it('answers the queries, records console reads and enforces roles', async () => {
    const stats = await t.core.api.call('log.statistics', { from: '2020-01-01T00:00:00Z' }, as('sam', 'supervisor'));
    expect(stats).toMatchObject({ ok: true, value: { total_events: 5, response_rate: 50 } });
    const page = await t.core.api.call('log.query', { status: 'failed', limit: 10 }, as('sam', 'supervisor'));
    expect(page).toMatchObject({ ok: true, value: { total: 2, total_capped: false } });
    const series = await t.core.api.call('log.timeseries', { from: new Date(Date.now() - 3_600_000).toISOString(), to: new Date().toISOString(), bucket: 'minute' }, as('sam', 'supervisor'));
    expect(series.ok).toBe(true);
    if (series.ok) {
      expect(series.value.buckets.reduce((n, b) => n + b.total, 0)).toBe(5);
      expect(series.value.thresholds.minResponseRatePercent).toBe(80);
    }
    expect(await t.core.api.call('log.statistics', {}, as('dan', 'dispatcher'))).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
    expect(await t.core.api.call('log.query', { limit: 5000 }, as('sam', 'supervisor'))).toMatchObject({ ok: false, error: { code: 'VALIDATION_FAILED' } });
    expect(await t.core.api.call('log.accessLog', { limit: 1 }, as('sam', 'supervisor'))).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
    const access = await t.core.api.call('log.accessLog', { actor: 'sam', limit: 50 }, as('ada', 'admin'));
    expect(access.ok && access.value.rows.some((r) => r.channel === 'console' && r.query === 'query')).toBe(true);
    const verify = await t.core.api.call('log.verify', {}, as('aud', 'auditor'));
    expect(verify).toMatchObject({ ok: true, value: { ok: true, first_bad: null } });
  });

  it('exports a filtered range with progress, downloadable over REST with the Bearer token', async () => {
    const progress: unknown[] = [];
    const off = t.core.bus.on('log.exportProgress', (p) => progress.push(p));
    const result = await t.core.api.call('log.export', { format: 'csv', event_type: 'ambulance_request' }, as('sam', 'supervisor'));
    off();
    expect(result).toMatchObject({ ok: true, value: { state: 'done', rows: 2, format: 'csv' } });
    if (!result.ok) return;
    expect(progress.at(-1)).toMatchObject({ id: result.value.id, state: 'done', done: 2 });
    expect((await get(`/exports/${result.value.id}`)).status).toBe(401);
    const download = await fetch(`${t.core.url}${result.value.url}`, { headers: { authorization: `Bearer ${tokens.supervisor}` } });
    expect(download.status).toBe(200);
    expect(download.headers.get('content-disposition')).toMatch(/attachment; filename="switchboard-log-.*\.csv"/);
    const csv = await download.text();
    expect(csv.trim().split('\n')).toHaveLength(3);
    expect(csv.split('\n')[0]).toMatch(/^id,event_type,socket_id,user_id/);
    const manifest = (await get(`/exports/${result.value.id}/manifest`, tokens.auditor)).body as { row_count: number; signature: string };
    expect(manifest.row_count).toBe(2);
    expect(manifest.signature.length).toBeGreaterThan(40);
    expect((await get('/exports/00000000-0000-4000-8000-000000000000', tokens.auditor)).status).toBe(404);
  });
});
