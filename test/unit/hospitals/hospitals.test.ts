import { describe, expect, it } from 'vitest';
import { byDistance, haversineKm, readHospitalSeed } from '../../../src/main/core/hospitals/hospitals';
import { CITY_AREA } from '../../../src/shared/cityArea';
import { distanceKm } from '../../../src/shared/geo';

describe('hospitals', () => {
  it('measures great-circle distance and orders hospitals nearest first', () => {
    expect(haversineKm({ latitude: 47.6062, longitude: -122.3321 }, { latitude: 47.6062, longitude: -122.3321 })).toBe(0);
    // Seattle to Portland is about 234 km.
    expect(haversineKm({ latitude: 47.6062, longitude: -122.3321 }, { latitude: 45.5152, longitude: -122.6784 })).toBeGreaterThan(230);
    const seed = readHospitalSeed().map((h) => ({ ...h, address: null, phone: null, updated_at: '' }));
    const [nearest] = byDistance(seed, { latitude: 47.7215, longitude: -122.334 });
    expect(nearest?.hospital.id).toBe('H6');
  });
  it('measures with the one haversine the console uses too', () => {
    const seattle = { latitude: 47.6062, longitude: -122.3321 };
    const portland = { latitude: 45.5152, longitude: -122.6784 };
    expect(haversineKm(seattle, portland)).toBe(distanceKm({ lat: seattle.latitude, lon: seattle.longitude }, { lat: portland.latitude, lon: portland.longitude }));
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
