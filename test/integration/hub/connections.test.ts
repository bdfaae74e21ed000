import { afterEach, describe, expect, it } from 'vitest';
import { io as connectIo } from 'socket.io-client';
import { SignJWT } from 'jose';
import WebSocket from 'ws';
import { emitAck, hasLog, logRows, nextEvent, startHubHarness, type HubHarness } from './hubHelpers';
import { expiredTokenFor } from '../../helpers/core';

let h: HubHarness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

const refusal = (url: string, auth: Record<string, string>) =>
  new Promise<Error & { data?: { code: string } }>((resolve, reject) => {
    const s = connectIo(url, { transports: ['websocket'], auth, reconnection: false, forceNew: true });
    s.once('connect', () => reject(new Error('connected without a valid token')));
    s.once('connect_error', (err) => {
      s.close();
      resolve(err as Error & { data?: { code: string } });
    });
  });

describe('hub connections', () => {
  it('refuses missing, forged and expired tokens, saying which, and counts each refusal', async () => {
    h = await startHubHarness();
    const missing = await refusal(h.url, {});
    expect(missing.message).toMatch(/Missing token/);
    expect(missing.data?.code).toBe('UNAUTHENTICATED');
    const forged = await new SignJWT({ role: 'admin' }).setProtectedHeader({ alg: 'HS256' }).setSubject('mallory').setIssuer('switchboard').setExpirationTime('1h').sign(new TextEncoder().encode('x'.repeat(40)));
    expect((await refusal(h.url, { token: forged })).data?.code).toBe('TOKEN_INVALID');
    const expired = await expiredTokenFor(h.running.dataDir, { sub: 'late', role: 'crew', unit_id: 'U1' });
    const expiredErr = await refusal(h.url, { token: expired });
    expect(expiredErr.data?.code).toBe('TOKEN_EXPIRED');
    expect(expiredErr.message).toMatch(/expired/);

    const metrics = await (await fetch(`${h.url}/metrics`, { headers: { authorization: `Bearer ${await h.token({ sub: 'ops', role: 'admin' })}` } })).text();
    expect(metrics).toMatch(/switchboard_hub_connections_refused_total\{code="TOKEN_EXPIRED",transport="socketio"\} 1/);
    expect(metrics).toMatch(/switchboard_hub_connections_refused_total\{code="TOKEN_INVALID",transport="socketio"\} 1/);
    if (hasLog(h)) {
      // The first refusal from an address gets its own row; the rest of the minute's are one row with a count.
      h.running.core.services.hub.hub.flushRefusals();
      await (h.running.core.services as { log?: { flush(): Promise<void> } }).log?.flush();
      const rows = await logRows(h, "event_type = 'connect' AND status = 'failed'");
      expect(rows.length).toBe(2);
      expect(JSON.parse(String(rows[1]!.event_data))).toMatchObject({ refusals: 2, codes: { TOKEN_INVALID: 1, TOKEN_EXPIRED: 1 } });
    }
  });

  it('takes the token from the query string, as the room-alert protocol clients send it, and joins home rooms', async () => {
    h = await startHubHarness();
    const token = await h.token({ sub: 'P9', role: 'patient', patient_id: 'P9' });
    const socket = await h.socket(null, { query: { token, user_id: 'P9', user_role: 'patient' } });
    const alert = nextEvent<{ patient_id: string; alert_type: string }>(socket, 'patient_alert');
    h.running.core.services.hub.emitters.patientAlert('P9', 'warning', { message: 'check in' });
    expect(await alert).toMatchObject({ patient_id: 'P9', alert_type: 'warning' });
  });

  it('applies room rules: a patient only its own rooms, a device only its own, admin:updates admin only', async () => {
    h = await startHubHarness();
    const patient = await h.socket({ sub: 'P1', role: 'patient', patient_id: 'P1' });
    expect(await emitAck(patient, 'join_room', { room: 'patient_P1' })).toMatchObject({ ok: true, room: 'patient:P1' });
    expect(await emitAck(patient, 'subscribe', { room: 'patient:P1:vitals' })).toMatchObject({ ok: true });
    expect(await emitAck(patient, 'join_room', { room: 'patient_P2' })).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
    const device = await h.socket({ sub: 'mon-1', role: 'device', device_id: 'M1', device_type: 'monitor', patient_id: 'P1' });
    expect(await emitAck(device, 'join_room', { room: 'device:monitor:M1:status' })).toMatchObject({ ok: true });
    expect(await emitAck(device, 'join_room', { room: 'device:monitor:M2' })).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
    const supervisor = await h.socket({ sub: 'sup', role: 'supervisor' });
    expect(await emitAck(supervisor, 'join_room', { room: 'admin:updates' })).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
    expect(await emitAck(supervisor, 'join_room', { room: 'hospital_H3' })).toMatchObject({ ok: true, room: 'hospital:H3' });
    expect(await emitAck(supervisor, 'join_room', { room: 'nonsense::room' })).toMatchObject({ ok: false, error: { code: 'VALIDATION_FAILED' } });
    const hospital = await h.socket({ sub: 'nurse', role: 'hospital', hospital_id: 'H1' });
    expect(await emitAck(hospital, 'join_room', { room: 'hospital:H2:alerts' })).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
    expect(await emitAck(hospital, 'join_room', { room: 'patient_P1' })).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
  });

  it('answers unknown events, malformed payloads and oversized messages with clear error acks, and keeps serving', async () => {
    h = await startHubHarness({ maxPayloadBytes: 2048 });
    const crew = await h.socket({ sub: 'crew-7', role: 'crew', unit_id: 'U7' });
    expect(await emitAck(crew, 'teleport', { to: 'mars' })).toMatchObject({ ok: false, error: { code: 'UNKNOWN_EVENT' } });
    expect(await emitAck(crew, 'update_location', { latitude: 'north' })).toMatchObject({ ok: false, error: { code: 'VALIDATION_FAILED', message: expect.stringContaining('latitude') } });
    expect(await emitAck(crew, 'update_location', { latitude: 47.6, longitude: -122.3, status: 'x'.repeat(5000) })).toMatchObject({ ok: false, error: { code: 'PAYLOAD_TOO_LARGE' } });
    const ok = await emitAck(crew, 'update_location', { latitude: 47.6, longitude: -122.3 });
    expect(ok.ok).toBe(true);
    if (hasLog(h)) {
      expect(typeof (ok as { id: unknown }).id).toBe('number');
      await (h.running.core.services as { log?: { flush(): Promise<void> } }).log?.flush();
      const failed = await logRows(h, "status = 'failed' AND user_id = 'crew-7'");
      expect(failed.map((r) => r.event_type)).toEqual(['teleport', 'update_location', 'update_location']);
    }
  });

  it('rate limits a flooding client, tells it why, disconnects it and refuses it until its cool-down ends', async () => {
    h = await startHubHarness({ ratePerSecond: 5, burst: 5, floodWindowSeconds: 2, floodCooldownSeconds: 60 });
    const crew = await h.socket({ sub: 'crew-9', role: 'crew', unit_id: 'U9' });
    const disconnected = nextEvent(crew, 'disconnect');
    const told = nextEvent<{ code: string; reason: string; retry_after_ms: number }>(crew, 'hub.refused');
    const acks = await Promise.all(Array.from({ length: 30 }, () => emitAck(crew, 'ping', {}).catch(() => null)));
    const codes = acks.map((a) => (a && !a.ok ? a.error.code : a ? 'ok' : 'none'));
    expect(codes.filter((c) => c === 'ok').length).toBeLessThanOrEqual(6);
    expect(codes).toContain('RATE_LIMITED');
    expect(acks.find((a) => a && !a.ok)).toMatchObject({ error: { code: 'RATE_LIMITED', retry_after_ms: expect.any(Number) } });
    expect(await told).toMatchObject({ code: 'RATE_LIMITED', reason: 'flooding', retry_after_ms: 60_000 });
    expect(await disconnected).toBe('io server disconnect');
    // Within the cool-down the same identity is refused at the handshake, with the time to wait.
    const again = await h.socket({ sub: 'crew-9', role: 'crew', unit_id: 'U9' }).then(
      () => null,
      (err: { data?: unknown }) => err.data
    );
    expect(again).toMatchObject({ code: 'RATE_LIMITED', retry_after_ms: expect.any(Number) });
    // Another crew is not affected.
    await h.socket({ sub: 'crew-10', role: 'crew', unit_id: 'U10' });
    const metrics = await (await fetch(`${h.url}/metrics`, { headers: { authorization: `Bearer ${await h.token({ sub: 'ops', role: 'admin' })}` } })).text();
    expect(metrics).toMatch(/switchboard_hub_rejections_total\{code="RATE_LIMITED"\} \d+/);
  });

  it('reports connections in the endpoint map and the device-stream protocol shapes and refuses those endpoints without a token', async () => {
    h = await startHubHarness();
    await h.socket({ sub: 'crew-1', role: 'crew', unit_id: 'U1' });
    await h.socket({ sub: 'crew-1', role: 'crew', unit_id: 'U1' });
    const ws = await h.ws('/realtime/ws/hospital/H1', { sub: 'nurse', role: 'hospital', hospital_id: 'H1' });
    await ws.next((m) => m.type === 'connected');
    const auth = { authorization: `Bearer ${await h.token({ sub: 'ops', role: 'dispatcher' })}` };
    const status = (await (await fetch(`${h.url}/api/v1/socket-status`, { headers: auth })).json()) as Record<string, unknown>;
    expect(status).toMatchObject({ active: true, total_sockets: 3, sockets_by_type: { socketio: 2, websocket: 1 } });
    const stats = (await (await fetch(`${h.url}/realtime/stats`, { headers: auth })).json()) as { data: Record<string, unknown> };
    // A dispatcher gets the counts; who is connected (by user) is for supervisors and admins.
    expect(stats.data).toMatchObject({ total_connections: 3, unique_users: 2, connections_by_user: {} });
    const supervisor = { authorization: `Bearer ${await h.token({ sub: 'sup', role: 'supervisor' })}` };
    const full = (await (await fetch(`${h.url}/realtime/stats`, { headers: supervisor })).json()) as { data: Record<string, unknown> };
    expect(full.data).toMatchObject({ connections_by_user: { 'crew-1': 2, nurse: 1 } });
    expect(stats.data.connections_by_room).toMatchObject({ 'unit:U1': 2, 'hospital:H1': 1, 'hospital:H1:alerts': 1, 'hospital:H1:devices': 1 });
    expect((await fetch(`${h.url}/realtime/stats`)).status).toBe(401);
  });

  it('refuses a WebSocket upgrade with a bad token or a forbidden endpoint', async () => {
    h = await startHubHarness();
    const wsUrl = h.url.replace('http', 'ws');
    const status = (url: string) =>
      new Promise<number>((resolve) => {
        const ws = new WebSocket(url);
        ws.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
        ws.on('open', () => resolve(101));
        ws.on('error', () => undefined);
      });
    expect(await status(`${wsUrl}/realtime/ws?token=garbage`)).toBe(401);
    const patient = await h.token({ sub: 'P1', role: 'patient', patient_id: 'P1' });
    expect(await status(`${wsUrl}/realtime/ws/patient/P2?token=${patient}`)).toBe(403);
    expect(await status(`${wsUrl}/realtime/ws/patient/P1?token=${patient}`)).toBe(101);
  });
});
