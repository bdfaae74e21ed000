import { afterEach, describe, expect, it } from 'vitest';
import { emitAck, hasLog, logRows, nextEvent, startHubHarness, type HubHarness } from '../hub/hubHelpers';

let h: HubHarness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

describe('hospitals: ambulance requests over the hub', () => {
  it('runs the ambulance request flow: nearest accepting hospital, rejection passes it on, acceptance reaches the patient', async () => {
    h = await startHubHarness({ ambulanceResponseTimeoutSeconds: 30 });
    const core = h.running.core;
    const updates: string[] = [];
    core.bus.on('requests.updated', (r) => updates.push(`${r.status}:${r.hospital_id}`));
    // Harborview (H1) is nearest to this point, then Virginia Mason (H3).
    const h1 = await h.socket({ sub: 'h1-desk', role: 'hospital', hospital_id: 'H1' });
    const h3 = await h.socket({ sub: 'h3-desk', role: 'hospital', hospital_id: 'H3' });
    const patient = await h.socket({ sub: 'P77', role: 'patient', patient_id: 'P77' });
    await core.services.hospitals.registry.update('H2', { accepting: false });

    const offeredToH1 = nextEvent<{ request_id: string; distance_km: number }>(h1, 'ambulance_request');
    const ack = await emitAck(patient, 'ambulance_request', { latitude: 47.6041, longitude: -122.3239, emergency_details: { type: 'chest_pain', severity: 'critical' } });
    expect(ack).toMatchObject({ ok: true, status: 'pending', hospital_id: 'H1' });
    const offer = await offeredToH1;
    expect(offer.distance_km).toBeLessThan(0.1);
    expect(await emitAck(h3, 'hospital_response', { request_id: offer.request_id, response: 'accepted' })).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });

    const offeredToH3 = nextEvent<{ request_id: string }>(h3, 'ambulance_request');
    expect(await emitAck(h1, 'hospital_response', { request_id: offer.request_id, response: 'rejected', reason: 'no beds' })).toMatchObject({ ok: true });
    expect((await offeredToH3).request_id).toBe(offer.request_id);
    // While offered, H3's staff may follow the patient.
    expect(await emitAck(h3, 'join_room', { room: 'patient_P77' })).toMatchObject({ ok: true });

    const accepted = nextEvent<{ hospital_id: string; hospital_name: string; distance_km: number }>(patient, 'ambulance_accepted');
    expect(await emitAck(h3, 'hospital_response', { request_id: offer.request_id, response: 'accepted', eta_minutes: 6 })).toMatchObject({ ok: true, status: 'accepted' });
    expect(await accepted).toMatchObject({ hospital_id: 'H3', hospital_name: 'Virginia Mason Medical Center' });
    const [record] = core.services.hospitals.requests.list();
    expect(record).toMatchObject({ status: 'accepted', hospital_id: 'H3', attempts: [{ hospital_id: 'H1', outcome: 'rejected', reason: 'no beds' }, { hospital_id: 'H3', outcome: 'accepted' }] });
    expect(updates).toEqual(['pending:H1', 'pending:H3', 'accepted:H3']);
    if (hasLog(h)) {
      await (core.services as { log?: { flush(): Promise<void> } }).log?.flush();
      const [row] = await logRows(h, 'id = ?', (ack as { id: number }).id);
      expect(row).toMatchObject({ event_type: 'ambulance_request', status: 'success', hospital_id: 'H3' });
    }
  });

  it('passes an unanswered request on after the timeout and fails it (with an alert) when no hospital is left', async () => {
    h = await startHubHarness({ ambulanceResponseTimeoutSeconds: 0.3, ambulanceMaxAttempts: 2 });
    const patient = await h.socket({ sub: 'P5', role: 'patient', patient_id: 'P5' });
    const rejected = nextEvent<{ reason: string; attempts: number }>(patient, 'ambulance_rejected');
    await emitAck(patient, 'ambulance_request', { location: { latitude: 47.7, longitude: -122.33 } });
    expect(await rejected).toMatchObject({ attempts: 2 });
    const [record] = h.running.core.services.hospitals.requests.list();
    expect(record?.attempts.map((a) => a.outcome)).toEqual(['timeout', 'timeout']);
    expect(h.running.core.alerts.list().some((a) => a.kind === 'ambulance_request' && a.severity === 'critical')).toBe(true);
  });
});
