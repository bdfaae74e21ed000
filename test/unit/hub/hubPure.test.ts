import { describe, expect, it } from 'vitest';
import { canSubscribe, canonicalRoom, homeRooms, type AccessFacts } from '../../../src/shared/rooms';
import { AmbulanceRequestSchema, HUB_CLIENT_EVENTS, wsMessageType } from '../../../src/shared/hubEvents';
import { takeToken, fullBucket } from '../../../src/main/core/hub/rateLimit';
import { createRoomHistory } from '../../../src/main/core/hub/roomHistory';
import { evaluateVitals } from '../../../src/main/core/hub/vitals';
import { parseHubConfig } from '../../../src/main/core/hub/hubConfig';
import { byDistance, haversineKm, readHospitalSeed } from '../../../src/main/core/dispatch/hospitals';
import { CITY_AREA } from '../../../src/shared/cityArea';

const facts: AccessFacts = {
  incidentsOfUnit: (unit) => (unit === 'U1' ? ['I9'] : []),
  isPatientRoutedTo: (patient, hospital) => patient === 'P7' && hospital === 'H1'
};

describe('room names', () => {
  it('maps seed 002 names onto seed 004 rooms and rejects inventions', () => {
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
  it('accepts seed 000 flat coordinates and the nested form alike', () => {
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
    const limit = { ratePerSecond: 10, burst: 3 };
    const bucket = fullBucket(limit, 0);
    expect([takeToken(bucket, limit, 0), takeToken(bucket, limit, 0), takeToken(bucket, limit, 0), takeToken(bucket, limit, 0)]).toEqual([true, true, true, false]);
    expect(takeToken(bucket, limit, 100)).toBe(true); // 100 ms at 10/s = one token
    expect(takeToken(bucket, limit, 100)).toBe(false);
  });
});

describe('room history', () => {
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

describe('hospitals', () => {
  it('measures great-circle distance and orders hospitals nearest first', () => {
    expect(haversineKm({ latitude: 47.6062, longitude: -122.3321 }, { latitude: 47.6062, longitude: -122.3321 })).toBe(0);
    // Seattle to Portland is about 234 km.
    expect(haversineKm({ latitude: 47.6062, longitude: -122.3321 }, { latitude: 45.5152, longitude: -122.6784 })).toBeGreaterThan(230);
    const seed = readHospitalSeed().map((h) => ({ ...h, address: null, phone: null, updated_at: '' }));
    const [nearest] = byDistance(seed, { latitude: 47.7215, longitude: -122.334 });
    expect(nearest?.hospital.id).toBe('H6');
  });
  it('ships a seed of hospitals inside the city area', () => {
    const seed = readHospitalSeed();
    expect(seed.length).toBeGreaterThanOrEqual(8);
    const { bounds } = CITY_AREA;
    for (const h of seed) {
      expect(h.latitude).toBeGreaterThanOrEqual(bounds.minLat);
      expect(h.latitude).toBeLessThanOrEqual(bounds.maxLat);
      expect(h.longitude).toBeGreaterThanOrEqual(bounds.minLon);
      expect(h.longitude).toBeLessThanOrEqual(bounds.maxLon);
    }
  });
});
