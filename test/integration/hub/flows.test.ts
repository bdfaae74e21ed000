import http from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { STATE_DEADLINE_MS, waitFor } from '../../helpers/waitFor';
import { emitAck, hasLog, logRows, nextEvent, startHubHarness, type HubHarness } from './hubHelpers';

let h: HubHarness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

/** A minimal SSE reader (EventSource cannot send an Authorization header). */
function sse(url: string, token: string, lastEventId?: number) {
  const events: Array<{ id?: number; event: string; data: Record<string, unknown> }> = [];
  const waiters: Array<() => void> = [];
  const req = http.get(url, { headers: { authorization: `Bearer ${token}`, ...(lastEventId !== undefined ? { 'last-event-id': String(lastEventId) } : {}) } }, (res) => {
    let buffer = '';
    res.setEncoding('utf8');
    res.on('data', (chunk: string) => {
      buffer += chunk;
      let end;
      while ((end = buffer.indexOf('\n\n')) >= 0) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const fields = Object.fromEntries(block.split('\n').filter((l) => l && !l.startsWith(':')).map((l) => [l.slice(0, l.indexOf(':')), l.slice(l.indexOf(':') + 2)]));
        if (!fields.data) continue;
        events.push({ id: fields.id ? Number(fields.id) : undefined, event: fields.event ?? 'message', data: JSON.parse(fields.data) as Record<string, unknown> });
        waiters.splice(0).forEach((w) => w());
      }
    });
  });
  req.on('error', () => undefined);
  const until = async (predicate: () => boolean, timeoutMs = STATE_DEADLINE_MS) => {
    const deadline = Date.now() + timeoutMs;
    while (!predicate()) {
      if (Date.now() > deadline) throw new Error(`SSE condition not met; got ${JSON.stringify(events.map((e) => e.event))}`);
      await new Promise<void>((resolve) => {
        waiters.push(resolve);
        setTimeout(resolve, 100);
      });
    }
  };
  return { events, until, close: () => req.destroy() };
}

describe('hub flows', () => {
  it('delivers one room message to Socket.IO, WebSocket and SSE subscribers alike, and SSE resumes by Last-Event-ID', async () => {
    h = await startHubHarness();
    const dispatcher = await h.socket({ sub: 'dana', role: 'dispatcher' });
    await emitAck(dispatcher, 'join_room', { room: 'hospital_H1' });
    const ws = await h.ws('/realtime/ws/hospital/H1', { sub: 'nurse', role: 'hospital', hospital_id: 'H1' });
    const nurseToken = await h.token({ sub: 'nurse2', role: 'hospital', hospital_id: 'H1' });
    const stream = sse(`${h.url}/realtime/events/hospital/H1`, nurseToken);
    await stream.until(() => stream.events.some((e) => e.event === 'connected'));

    const heard = nextEvent<{ hospital_id: string; alert_type: string }>(dispatcher, 'hospital_alert');
    h.running.core.services.hub.emitters.hospitalAlert('H1', 'capacity', { message: 'ED full' });
    expect(await heard).toMatchObject({ hospital_id: 'H1', alert_type: 'capacity' });
    expect(await ws.next((m) => m.type === 'hospital_alert')).toMatchObject({ room: 'hospital:H1', data: { alert_type: 'capacity' } });
    await stream.until(() => stream.events.some((e) => e.event === 'hospital.alert'));
    const lastSeen = stream.events.filter((e) => e.id !== undefined).at(-1)!.id!;
    stream.close();

    // Published while the SSE client is away: a reconnect with Last-Event-ID gets exactly these, in order.
    h.running.core.services.hub.emitters.bedStatusUpdate('H1', { bed_id: 'B1', status: 'occupied' });
    h.running.core.services.hub.emitters.availabilityUpdate('H1', 'doc-1', 'doctor', false);
    const resumed = sse(`${h.url}/realtime/events/hospital/H1`, nurseToken, lastSeen);
    await resumed.until(() => resumed.events.some((e) => e.event === 'staff_availability_changed'));
    const replayed = resumed.events.filter((e) => e.id !== undefined);
    expect(replayed.map((e) => e.event)).toEqual(['bed_status_changed', 'hospital.capacity.update', 'staff_availability_changed']);
    expect(replayed.every((e, i, all) => e.id! > lastSeen && (i === 0 || e.id! > all[i - 1]!.id!))).toBe(true);
    resumed.close();
  });

  it('turns device data into vitals updates, raises alerts on abnormal values and clears them when normal', async () => {
    // No minimum durations here: the gate's timing has its own unit test, this is the flow.
    h = await startHubHarness({ vitalsRaiseAfterSeconds: 0, vitalsClearAfterSeconds: 0 });
    const core = h.running.core;
    const monitor = await h.socket({ sub: 'mon-3', role: 'device', device_id: 'M3', device_type: 'monitor', patient_id: 'P3' });
    const ws = await h.ws('/realtime/ws/patient/P3', { sub: 'doc', role: 'dispatcher' });
    await ws.next((m) => m.type === 'connected');
    const watched: unknown[] = [];
    core.bus.on('patient.vitals', (v) => watched.push(v));
    await core.api.call('patients.watch', { patient_id: 'P3' }, { operator: { username: 'dana', role: 'dispatcher' }, transport: 'socket' });

    expect(await emitAck(monitor, 'device_data', { data_type: 'blood_pressure', values: { systolic: 150, diastolic: 95 } })).toMatchObject({ ok: true, abnormal: true, alert_type: 'high_blood_pressure' });
    expect(await ws.next((m) => m.type === 'vitals_update')).toMatchObject({ room: 'patient:P3:vitals', data: { blood_pressure: { systolic: 150, diastolic: 95 } } });
    expect(await ws.next((m) => m.type === 'patient.alert')).toMatchObject({ data: { alert_type: 'high_blood_pressure', message: 'High blood pressure detected: 150/95' } });
    expect(watched).toHaveLength(1);
    expect(core.alerts.openFor('vitals:P3:blood_pressure')).toBeDefined();
    expect(await emitAck(monitor, 'device_data', { data_type: 'blood_pressure', values: { systolic: 120, diastolic: 80 } })).toMatchObject({ ok: true, abnormal: false });
    expect(core.alerts.openFor('vitals:P3:blood_pressure')).toBeUndefined();
    expect(await emitAck(monitor, 'device_data', { data_type: 'spo2', values: { value: 80 }, patient_id: 'P4' })).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
  });

  it('refuses events with UNAVAILABLE once the socket log is too far behind, and logs only what it accepted', async () => {
    // Commits at most once a second, so a first event waits in the log; the wave is sent
    // once the hub itself sees the log behind (a state, not a guess at timing).
    h = await startHubHarness({ maxLogLagMs: 30, ratePerSecond: 10_000, burst: 10_000 }, { minCommitIntervalMs: 1_000 });
    const crew = await h.socket({ sub: 'crew-9', role: 'crew', unit_id: 'U9' });
    await h.running.core.services.log.flush();
    const send = () => emitAck(crew, 'update_location', { latitude: 40.7, longitude: -74 });
    const first = send();
    const hub = h.running.core.services.hub.hub;
    await waitFor('the first event waiting in a log past the admission bound', () => hub.pendingLogWrites() >= 1 && hub.logLagMs() >= 30);
    const acks = await Promise.all([first, ...Array.from({ length: 40 }, send)]);
    const refused = acks.filter((a) => !a.ok);
    expect(acks[0]).toMatchObject({ ok: true });
    expect(refused.length).toBeGreaterThan(0);
    for (const a of refused) expect(a).toMatchObject({ ok: false, error: { code: 'UNAVAILABLE', message: expect.stringContaining('capacity') } });
    await h.running.core.services.log.flush();
    expect(await logRows(h, "event_type = 'update_location' AND user_id = 'crew-9'")).toHaveLength(acks.length - refused.length);
  });

  it('keeps a receipt trail for critical alerts and escalates unacknowledged ones', async () => {
    h = await startHubHarness();
    const core = h.running.core;
    const ops = await h.socket({ sub: 'sup', role: 'admin' });
    await emitAck(ops, 'join_room', { room: 'system:alerts' });
    const hospital = await h.socket({ sub: 'h1', role: 'hospital', hospital_id: 'H1' });
    await emitAck(hospital, 'publish_hospital_alert', { hospital_id: 'H1', alert_type: 'emergency', alert_data: { message: 'Power failure' } });
    const alert = core.alerts.openFor('hospital:H1:emergency')!;
    expect(alert.severity).toBe('critical');
    const who = { operator: { username: 'dana', role: 'dispatcher' as const }, transport: 'socket' as const };
    expect(await core.api.call('alerts.delivered', { id: alert.id }, who)).toMatchObject({ ok: true, value: { recorded: true } });
    expect(await core.api.call('alerts.displayed', { id: alert.id }, who)).toMatchObject({ ok: true, value: { recorded: true } });
    const escalated = nextEvent<{ alert_id: string; escalated: boolean }>(ops, 'system.alert');
    core.alerts.escalateOverdue(new Date(Date.now() + 3600_000));
    expect(await escalated).toMatchObject({ alert_id: alert.id, escalated: true });
    expect(await core.api.call('alerts.acknowledge', { id: alert.id }, who)).toMatchObject({ ok: true, value: { acknowledged_by: 'dana' } });
    expect(core.alerts.get(alert.id)!.receipts.map((r) => `${r.step}:${r.by ?? ''}`)).toEqual(['raised:hub:h1', 'delivered:dana', 'displayed:dana', 'escalated:', 'acknowledged:dana']);
    if (hasLog(h)) {
      await (core.services as { log?: { flush(): Promise<void> } }).log?.flush();
      expect((await logRows(h, "event_type LIKE 'alert_%'")).map((r) => r.event_type)).toEqual(['alert_raised', 'alert_delivered', 'alert_displayed', 'alert_escalated', 'alert_acknowledged']);
    }
  });

  it('raises a stale alert when a crew goes quiet past its reporting interval and clears it when it reports', async () => {
    h = await startHubHarness({ reportingIntervalSeconds: { crew: 0.2 }, staleAfterIntervals: 1, staleCheckSeconds: 0.05 });
    const crew = await h.socket({ sub: 'crew-2', role: 'crew', unit_id: 'U2' });
    await emitAck(crew, 'update_location', { latitude: 47.6, longitude: -122.3 });
    expect(await waitFor('the stale alert for U2', () => h!.running.core.alerts.openFor('stale:unit:U2'))).toMatchObject({ kind: 'device_stale' });
    const list = await h.running.core.api.call('hub.connections', { staleOnly: true }, { operator: { username: 'd', role: 'dispatcher' }, transport: 'socket' });
    expect(list).toMatchObject({ ok: true, value: { connections: [{ user: 'crew-2', stale: true }] } });
    await emitAck(crew, 'update_location', { latitude: 47.61, longitude: -122.3 });
    // Cleared by the watchdog's next look (at once on one node; in a cluster, once the shared sightings show the report).
    await waitFor('the stale alert for U2 to clear', () => h!.running.core.alerts.openFor('stale:unit:U2') === undefined);
  });
});
