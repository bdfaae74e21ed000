import { describe, expect, it } from 'vitest';
import { canSubscribe, canonicalRoom, homeRooms, type AccessFacts } from '../../../src/shared/rooms';
import { AmbulanceRequestSchema, HUB_CLIENT_EVENTS, wsMessageType } from '../../../src/shared/hubEvents';
import { createFloodCooldowns, fullBucket, retryAfterMs, takeToken } from '../../../src/main/core/hub/rateLimit';
import { clientEventIdOf, createRecentEventIds } from '../../../src/main/core/hub/clientEventIds';
import { createRoomHistory as historyFrom, restartSafeFirstId } from '../../../src/main/core/hub/roomHistory';
import { createRoomHistory } from '../../../src/main/core/hub/roomHistory';
import { evaluateVitals } from '../../../src/main/core/hub/vitals';
import { parseHubConfig } from '../../../src/main/core/hub/hubConfig';

const facts: AccessFacts = {
  incidentsOfUnit: (unit) => (unit === 'U1' ? ['I9'] : []),
  isPatientRoutedTo: (patient, hospital) => patient === 'P7' && hospital === 'H1'
};

describe('room names', () => {
  it('maps the room-alert protocol names onto the device-stream protocol rooms and rejects inventions', () => {
    expect(canonicalRoom('patient_P123')).toBe('patient:P123');
    expect(canonicalRoom('hospital_H1')).toBe('hospital:H1');
    expect(canonicalRoom('triage_T9')).toBe('triage:T9');
    expect(canonicalRoom('triage_queue')).toBe('triage_queue');
    expect(canonicalRoom('patient:P1:vitals')).toBe('patient:P1:vitals');
    expect(canonicalRoom('device:monitor:M1:status')).toBe('device:monitor:M1:status');
    expect(canonicalRoom('patient:P1:secrets')).toBeNull();
    expect(canonicalRoom('whatever')).toBeNull();
    expect(canonicalRoom('')).toBeNull();
  });
});

describe('room access', () => {
  const allowed = (who: Parameters<typeof canSubscribe>[0], room: string) => canSubscribe(who, room, facts).allowed;
  it('lets a patient into its own rooms only', () => {
    const p = { sub: 'p', role: 'patient' as const, patient_id: 'P1' };
    expect(allowed(p, 'patient:P1:alerts')).toBe(true);
    expect(allowed(p, 'patient:P2')).toBe(false);
    expect(allowed(p, 'hospital:H1')).toBe(false);
  });
  it('lets hospital staff into their hospital and the patients routed to it', () => {
    const h = { sub: 'n', role: 'hospital' as const, hospital_id: 'H1' };
    expect(allowed(h, 'hospital:H1:devices')).toBe(true);
    expect(allowed(h, 'hospital:H2')).toBe(false);
    expect(allowed(h, 'patient:P7:vitals')).toBe(true);
    expect(allowed(h, 'patient:P8')).toBe(false);
    expect(allowed(h, 'triage_queue')).toBe(true);
  });
  it('lets a crew into its unit and assigned incidents, a device into its own rooms', () => {
    const c = { sub: 'c', role: 'crew' as const, unit_id: 'U1' };
    expect(allowed(c, 'unit:U1')).toBe(true);
    expect(allowed(c, 'unit:U2')).toBe(false);
    expect(allowed(c, 'incident:I9')).toBe(true);
    expect(allowed(c, 'incident:I10')).toBe(false);
    const d = { sub: 'd', role: 'device' as const, device_id: 'M1', device_type: 'monitor' };
    expect(allowed(d, 'device:monitor:M1')).toBe(true);
    expect(allowed(d, 'device:monitor:M2:status')).toBe(false);
    expect(homeRooms(d)).toEqual(['device:monitor:M1']);
  });
  it('gives operators everything except admin:updates, which is admin only; auditors nothing', () => {
    expect(allowed({ sub: 'x', role: 'dispatcher' }, 'patient:P1')).toBe(true);
    expect(allowed({ sub: 'x', role: 'supervisor' }, 'admin:updates')).toBe(false);
    expect(allowed({ sub: 'x', role: 'admin' }, 'admin:updates')).toBe(true);
    expect(allowed({ sub: 'x', role: 'auditor' }, 'system:alerts')).toBe(false);
  });
});

describe('client event schemas', () => {
  it('accepts the patient app flat coordinates and the nested form alike', () => {
    const flat = AmbulanceRequestSchema.parse({ latitude: 47.6, longitude: -122.3 });
    expect(flat.location).toEqual({ latitude: 47.6, longitude: -122.3 });
    expect(flat.emergency_details.severity).toBe('high');
    expect(AmbulanceRequestSchema.safeParse({ location: { latitude: 200, longitude: 0 } }).success).toBe(false);
  });
  it('covers the seeds’ client events', () => {
    for (const name of ['join_room', 'leave_room', 'subscribe', 'unsubscribe', 'ping', 'update_location', 'ambulance_request', 'hospital_response', 'device_data']) {
      expect(Object.keys(HUB_CLIENT_EVENTS)).toContain(name);
    }
    expect(wsMessageType('patient.vitals.update')).toBe('vitals_update');
    expect(wsMessageType('patient_alert')).toBe('patient_alert');
  });
});

describe('token bucket', () => {
  it('allows the burst, then the rate', () => {
    const limit = { ratePerSecond: 10, burst: 3, floodWindowSeconds: 30 };
    const bucket = fullBucket(limit, 0);
    expect([takeToken(bucket, limit, 0), takeToken(bucket, limit, 0), takeToken(bucket, limit, 0), takeToken(bucket, limit, 0)]).toEqual(['ok', 'ok', 'ok', 'limited']);
    expect(takeToken(bucket, limit, 100)).toBe('ok'); // 100 ms at 10/s = one token
    expect(takeToken(bucket, limit, 100)).toBe('limited');
    expect(retryAfterMs(bucket, limit)).toBe(100);
  });

  it('treats a backlog after a 10 s stall as catching up, not flooding', () => {
    // A device at 15/s (limit 50/s, burst 100) whose 150 events all arrive at once after a stall.
    const limit = { ratePerSecond: 50, burst: 100, floodWindowSeconds: 30 };
    const bucket = fullBucket(limit, 0);
    const backlog = Array.from({ length: 150 }, () => takeToken(bucket, limit, 10_000));
    expect(backlog.filter((d) => d === 'ok')).toHaveLength(100);
    expect(backlog.filter((d) => d === 'limited')).toHaveLength(50); // retryable: the device resends them
    expect(backlog).not.toContain('flooding');
    // Then it goes on at 15/s for a minute, resending the 50 refused on the way: never flooding.
    const after: string[] = [];
    for (let ms = 10_000; ms < 70_000; ms += 1000 / 20) after.push(takeToken(bucket, limit, ms));
    expect(after).not.toContain('flooding');
  });

  it('calls a client that stays over the rate for most of the window a flood', () => {
    const limit = { ratePerSecond: 50, burst: 100, floodWindowSeconds: 30 };
    const bucket = fullBucket(limit, 0);
    let floodingAt = -1;
    for (let n = 0, ms = 0; floodingAt < 0 && ms < 60_000; n += 1, ms = n * 5) if (takeToken(bucket, limit, ms) === 'flooding') floodingAt = ms; // 200/s
    // 1,600 events of headroom, 150/s over the rate: about 10.7 s.
    expect(floodingAt).toBeGreaterThan(10_000);
    expect(floodingAt).toBeLessThan(11_000);
  });

  it('keeps flood cool-downs per identity, bounded, and lets them expire', () => {
    const cooldowns = createFloodCooldowns(60_000, 2);
    cooldowns.start('crew:a', 0);
    expect(cooldowns.remainingMs('crew:a', 1_000)).toBe(59_000);
    expect(cooldowns.remainingMs('crew:b', 1_000)).toBe(0);
    expect(cooldowns.remainingMs('crew:a', 60_000)).toBe(0);
    cooldowns.start('crew:a', 0);
    cooldowns.start('crew:b', 0);
    cooldowns.start('crew:c', 0);
    expect(cooldowns.size()).toBe(2);
    expect(cooldowns.remainingMs('crew:a', 1)).toBe(0); // the oldest went first
  });
});

describe('client event ids', () => {
  it('reads event_id from a payload and refuses unusable ones', () => {
    expect(clientEventIdOf({ event_id: 'tab-7:1842' })).toBe('tab-7:1842');
    expect(clientEventIdOf({ latitude: 1 })).toBeUndefined();
    expect(clientEventIdOf(null)).toBeUndefined();
    expect(clientEventIdOf({ event_id: 42 })).toBeNull();
    expect(clientEventIdOf({ event_id: '' })).toBeNull();
    expect(clientEventIdOf({ event_id: 'x'.repeat(129) })).toBeNull();
  });

  it('remembers committed ids, forgets refused ones, and stays within its bound', async () => {
    const recent = createRecentEventIds(2);
    const first = Promise.resolve({ ok: true as const, id: 11 });
    recent.started('a', first);
    expect(recent.get('a')).toBe(first); // in flight: a resend waits for this answer
    recent.finished('a', first, await first);
    expect(recent.get('a')).toBe(11);
    const refused = Promise.resolve({ ok: false as const, error: { code: 'UNAVAILABLE', message: 'retry' } });
    recent.started('b', refused);
    recent.finished('b', refused, await refused);
    expect(recent.get('b')).toBeUndefined(); // a resend of a refused event is a new attempt
    recent.started('c', first);
    recent.started('d', first);
    expect(recent.size()).toBe(2);
    expect(recent.get('a')).toBeUndefined();
  });
});

describe('room history', () => {
  it('starts a new process ahead of every id an earlier one gave, so resumes after a restart work', () => {
    const before = historyFrom(10, undefined, restartSafeFirstId(1_000_000));
    for (let i = 0; i < 5000; i++) before.append('a', 'e', i);
    const after = historyFrom(10, undefined, restartSafeFirstId(1_000_010)); // restarted 10 ms later
    after.append('a', 'e', 'new');
    expect(after.since('a', before.lastId()).map((m) => m.data)).toEqual(['new']);
  });

  it('numbers messages across rooms, keeps the newest per room and merges resumes in order', () => {
    const history = createRoomHistory(3);
    for (let i = 1; i <= 5; i++) history.append('a', 'e', i);
    history.append('b', 'e', 'b1');
    expect(history.since('a', 0).map((m) => m.data)).toEqual([3, 4, 5]);
    expect(history.since('a', 4).map((m) => m.id)).toEqual([5]);
    expect(history.sinceAcross(['b', 'a'], 3).map((m) => m.id)).toEqual([4, 5, 6]);
    expect(history.lastId()).toBe(6);
  });
  it('evicts the least recently used room past its room cap', () => {
    const history = createRoomHistory(2, 2);
    history.append('a', 'e', 1);
    history.append('b', 'e', 1);
    history.append('a', 'e', 2);
    history.append('c', 'e', 1);
    expect(history.since('b', 0)).toEqual([]);
    expect(history.since('a', 0)).toHaveLength(2);
  });
});

describe('vitals', () => {
  const limits = parseHubConfig({}).vitals;
  it('flags blood pressure above 140/90 as the seed does, and grades severity', () => {
    expect(evaluateVitals('blood_pressure', { systolic: 150, diastolic: 95 }, limits)).toMatchObject({ alertType: 'high_blood_pressure', findings: [{ severity: 'warning' }, { severity: 'warning' }] });
    expect(evaluateVitals('blood_pressure', { systolic: 120, diastolic: 80 }, limits).findings).toEqual([]);
    expect(evaluateVitals('spo2', { value: 82 }, limits)).toMatchObject({ alertType: 'low_spo2', findings: [{ severity: 'critical' }] });
    expect(evaluateVitals('heart_rate', { bpm: 72 }, limits)).toMatchObject({ vitals: { heart_rate: 72 }, findings: [] });
    expect(evaluateVitals('temperature', { value: 39 }, limits).alertType).toBe('high_temperature');
  });
  it('honours configured limits', () => {
    const strict = parseHubConfig({ vitals: { ...limits, heart_rate: { max: 90 } } }).vitals;
    expect(evaluateVitals('heart_rate', { value: 95 }, strict).alertType).toBe('high_heart_rate');
  });
});
