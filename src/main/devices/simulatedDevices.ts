import { io, type Socket } from 'socket.io-client';
import { CITY_AREA } from '../../shared/cityArea';
import type { Identity } from '../../shared/roles';
import { createReliableSender } from './reliableSender';

/**
 * Simulated field devices for the demo, each a real Socket.IO client of the
 * hub's protocol: crews' MDTs (update_location), patient monitors (device_data,
 * sometimes out of range), hospital systems (accept or reject ambulance
 * requests) and a patient app (ambulance_request now and then). Events carry
 * an `event_id` and are resent until answered (reliableSender.ts), as the
 * protocol page asks of real devices.
 */
export interface SimulatedDeviceCounts {
  crews?: number;
  monitors?: number;
  hospitals?: string[];
  patients?: number;
}

export interface SimulatedDevicesOptions {
  url: string;
  token(identity: Identity): Promise<string>;
  counts?: SimulatedDeviceCounts;
  /**
   * Crews that are the CAD's own units: their MDTs report as these unit ids, at
   * the position and status the CAD has for them (a real MDT's GPS and the CAD
   * describe the same ambulance). Without it, crews M1..Mn wander on their own.
   */
  crewUnits?: { ids: readonly string[]; positionOf(unitId: string): { latitude: number; longitude: number; heading: number; status: string } | null };
  /** Multiplies every interval (tests use a small value). */
  speed?: number;
  random?: () => number;
}

const jitter = (random: () => number, lat: number, lon: number, km: number) => ({
  latitude: Math.min(CITY_AREA.bounds.maxLat, Math.max(CITY_AREA.bounds.minLat, lat + ((random() - 0.5) * km) / 111)),
  longitude: Math.min(CITY_AREA.bounds.maxLon, Math.max(CITY_AREA.bounds.minLon, lon + ((random() - 0.5) * km) / 75))
});

export async function startSimulatedDevices(options: SimulatedDevicesOptions): Promise<{ stop(): void; sockets(): number }> {
  const random = options.random ?? Math.random;
  const speed = options.speed ?? 1;
  const counts = { crews: 5, monitors: 3, hospitals: ['H1', 'H2', 'H3'], patients: 1, ...options.counts };
  const sockets: Socket[] = [];
  const timers: NodeJS.Timeout[] = [];
  const every = (ms: number, fn: () => void) => timers.push(setInterval(fn, Math.max(20, ms * speed)));

  const connect = async (identity: Identity) => {
    const socket = io(options.url, { transports: ['websocket'], auth: { token: await options.token(identity) }, reconnectionDelay: 1000 });
    sockets.push(socket);
    return socket;
  };
  const { bounds } = CITY_AREA;
  const randomPoint = () => ({ latitude: bounds.minLat + random() * (bounds.maxLat - bounds.minLat), longitude: bounds.minLon + random() * (bounds.maxLon - bounds.minLon) });

  const crewIds = options.crewUnits ? [...options.crewUnits.ids] : Array.from({ length: counts.crews }, (_, i) => `M${i + 1}`);
  for (const [i, unitId] of crewIds.entries()) {
    const sender = createReliableSender(await connect({ sub: `mdt-${i + 1}`, role: 'crew', unit_id: unitId }), `mdt-${i + 1}`);
    let position = randomPoint();
    every(5_000, () => {
      const reported = options.crewUnits?.positionOf(unitId);
      if (reported) {
        sender.send('update_location', { latitude: reported.latitude, longitude: reported.longitude, heading: reported.heading, status: reported.status });
        return;
      }
      position = jitter(random, position.latitude, position.longitude, 0.5);
      sender.send('update_location', { ...position, heading: Math.round(random() * 359), speed_kmh: Math.round(random() * 80), status: 'available' });
    });
  }
  for (let i = 1; i <= counts.monitors; i++) {
    const sender = createReliableSender(await connect({ sub: `monitor-${i}`, role: 'device', device_id: `MON${i}`, device_type: 'monitor', patient_id: `P${i}` }), `monitor-${i}`);
    // A patient deteriorates in episodes that last a while (a real trend, not single noisy
    // readings), so the hub's minimum duration lets them through; one in four is critical.
    let episode: { until: number; critical: boolean } | null = null;
    every(3_000, () => {
      const now = Date.now();
      if (episode && now > episode.until) episode = null;
      if (!episode && random() < 0.03) episode = { until: now + (20_000 + random() * 25_000) * speed, critical: random() < 0.25 };
      const abnormal = episode !== null;
      const heartRate = episode?.critical ? 155 + Math.round(random() * 10) : abnormal ? 128 + Math.round(random() * 8) : 60 + Math.round(random() * 30);
      sender.send('device_data', { data_type: 'blood_pressure', values: { systolic: abnormal ? 150 + Math.round(random() * 25) : 110 + Math.round(random() * 20), diastolic: abnormal ? 95 : 70 + Math.round(random() * 10) } });
      sender.send('device_data', { data_type: 'heart_rate', values: { value: heartRate } });
      sender.send('device_data', { data_type: 'spo2', values: { value: abnormal ? 89 : 95 + Math.round(random() * 4) } });
    });
  }
  for (const hospitalId of counts.hospitals) {
    const socket = await connect({ sub: `${hospitalId}-system`, role: 'hospital', hospital_id: hospitalId });
    socket.on('ambulance_request', (request: { request_id: string }) => {
      // Hospital systems answer after a moment; one in four declines for lack of beds.
      setTimeout(() => {
        const accept = random() >= 0.25;
        socket.emit('hospital_response', accept ? { request_id: request.request_id, response: 'accepted', eta_minutes: 5 + Math.round(random() * 10) } : { request_id: request.request_id, response: 'rejected', reason: 'No ICU beds free' }, () => undefined);
      }, 1_500 * speed);
    });
  }
  for (let i = 1; i <= counts.patients; i++) {
    const sender = createReliableSender(await connect({ sub: `patient-app-${i}`, role: 'patient', patient_id: `PA${i}` }), `patient-app-${i}`);
    const request = () => sender.send('ambulance_request', { location: randomPoint(), emergency_details: { type: random() < 0.5 ? 'chest_pain' : 'fall', severity: 'high' } });
    // The first request comes within seconds so a newcomer sees the flow at once.
    timers.push(setTimeout(request, Math.max(50, 5_000 * speed * i)));
    every(60_000, request);
  }
  return {
    stop() {
      timers.forEach(clearTimeout);
      sockets.forEach((s) => s.close());
    },
    sockets: () => sockets.filter((s) => s.connected).length
  };
}
