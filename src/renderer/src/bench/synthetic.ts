import type { Incident, Unit } from '../../../shared/cad';
import { CITY_AREA } from '../../../shared/cityArea';

/** A synthetic fleet moving around the city: the benchmarks' stand-in for the CAD. */
export interface Fleet {
  units: Unit[];
  /** Moves the units in [from, to) one step and returns them as the CAD would report them. */
  step(from: number, to: number): Unit[];
}

const STATUSES: Unit['status'][] = ['available', 'en_route', 'on_scene', 'transporting', 'at_destination', 'dispatched'];

export function createFleet(count: number, seed = 1): Fleet {
  let s = seed;
  const rand = () => {
    s = (s * 16807) % 2147483647;
    return s / 2147483647;
  };
  const { minLat, maxLat, minLon, maxLon } = CITY_AREA.bounds;
  const units: Unit[] = [];
  for (let i = 0; i < count; i += 1) {
    units.push({
      id: `U${i}`,
      call_sign: `M${100 + i}`,
      unit_type: i % 3 === 0 ? 'BLS' : 'ALS',
      status: STATUSES[i % STATUSES.length]!,
      location: { lat: minLat + rand() * (maxLat - minLat), lon: minLon + 0.05 + rand() * (maxLon - minLon - 0.1) },
      heading: Math.floor(rand() * 360),
      speed: 40,
      incident_id: null,
      last_report: new Date().toISOString()
    });
  }
  return {
    units,
    step(from, to) {
      const now = new Date().toISOString();
      const moved: Unit[] = [];
      for (let i = from; i < Math.min(to, units.length); i += 1) {
        const u = units[i]!;
        // ~40 km/h: about 11 m per second, in degrees; turn a little now and then.
        const heading = ((u.heading ?? 0) + (rand() - 0.5) * 30 + 360) % 360;
        const rad = (heading * Math.PI) / 180;
        let lat = u.location!.lat + Math.cos(rad) * 0.0004;
        let lon = u.location!.lon + Math.sin(rad) * 0.0006;
        if (lat < minLat || lat > maxLat) lat = u.location!.lat;
        if (lon < minLon || lon > maxLon) lon = u.location!.lon;
        const next: Unit = { ...u, heading: Math.round(heading), location: { lat, lon }, last_report: now };
        units[i] = next;
        moved.push(next);
      }
      return moved;
    }
  };
}

const TYPES = ['Chest Pain', 'Fall', 'Breathing Problem', 'Stroke', 'Traffic Collision', 'Sick Person'];
const ACTIVE: Incident['status'][] = ['dispatched', 'en_route', 'on_scene', 'transporting'];

/** A queue of open incidents around the city: the first half pending, the rest being worked. */
export function createIncidents(count: number, seed = 3): Incident[] {
  let s = seed;
  const rand = () => {
    s = (s * 16807) % 2147483647;
    return s / 2147483647;
  };
  const { minLat, maxLat, minLon, maxLon } = CITY_AREA.bounds;
  const now = Date.now();
  return Array.from({ length: count }, (_, i) => {
    const at = new Date(now - Math.floor(rand() * 900_000)).toISOString();
    const pending = i < count / 2;
    return {
      id: `INC-${String(i + 1).padStart(6, '0')}`,
      type: TYPES[i % TYPES.length]!,
      priority: 1 + (i % 4),
      address: `${100 + Math.floor(rand() * 9000)} Pine St, Seattle, WA`,
      location: { lat: minLat + rand() * (maxLat - minLat), lon: minLon + 0.05 + rand() * (maxLon - minLon - 0.1) },
      status: pending ? 'pending' : ACTIVE[i % ACTIVE.length]!,
      assigned_units: pending ? [] : [`U${i}`],
      timestamps: { call_received: at },
      destination: null,
      notes: [],
      updated_at: at
    };
  });
}
