import type {
  CadInboundEvent,
  CadInboundPayload,
  Incident,
  IncidentStatus,
  IncidentTimestampName,
  Location,
  Unit,
  UnitStatus
} from '../../shared/cad';
import { divertFrom } from '../../shared/cad';
import { CITY_AREA } from '../../shared/cityArea';
import { distanceKm } from '../../shared/geo';
import type { SimState } from './simState';

export type CityArea = { bounds: { minLat: number; maxLat: number; minLon: number; maxLon: number } };

/** Receiving hospitals inside the default city (approximate positions). */
export const SIM_HOSPITALS: Array<{ name: string; location: Location }> = [
  { name: 'Harborview Medical Center', location: { lat: 47.604, lon: -122.3238 } },
  { name: 'Swedish First Hill', location: { lat: 47.6088, lon: -122.3232 } },
  { name: 'UW Medical Center', location: { lat: 47.6497, lon: -122.3076 } },
  { name: 'Northwest Hospital', location: { lat: 47.718, lon: -122.334 } },
  { name: 'Swedish Ballard', location: { lat: 47.6676, lon: -122.3795 } }
];

const INCIDENT_TYPES = ['Chest Pain', 'Fall', 'Breathing Problem', 'Traffic Collision', 'Stroke', 'Unconscious Person', 'Sick Person', 'Overdose'];
const STREETS = ['Pine St', 'Pike St', '1st Ave', '3rd Ave', 'Madison St', 'Broadway', 'Rainier Ave S', 'Aurora Ave N', 'Market St', 'Jackson St'];

type Emit = <E extends CadInboundEvent>(event: E, payload: Omit<CadInboundPayload<E>, 'epoch' | 'seq'>) => void;

export interface WorldOptions {
  state: SimState;
  random: () => number;
  emit: Emit;
  area?: CityArea;
  /** Assign the closest available unit to new incidents: all of them, or only these priorities (the rest wait for a dispatcher). */
  autoDispatch: boolean | { priorities: readonly number[] };
  /**
   * A call left pending this long (simulated ms) is dispatched by the CAD itself,
   * as a neighbouring centre would take it: an unattended demo's queue stays bounded.
   */
  autoDispatchAfterMs?: number;
}

const round6 = (n: number) => Math.round(n * 1e6) / 1e6;
const KM_PER_DEG_LAT = 111.32;

/**
 * The simulated CAD's behaviour: incidents appear, units are assigned, drive
 * on a street grid (north-south, then east-west) at city speeds, walk through
 * the statuses, and every change goes out as one of the eight CAD events.
 */
export function createWorld(options: WorldOptions) {
  const { state, random, emit } = options;
  const area = options.area ?? CITY_AREA;
  const now = () => new Date().toISOString();
  const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)] as T;
  const randomPoint = (): Location => ({
    lat: round6(area.bounds.minLat + random() * (area.bounds.maxLat - area.bounds.minLat)),
    lon: round6(area.bounds.minLon + random() * (area.bounds.maxLon - area.bounds.minLon))
  });

  const setUnitStatus = (unit: Unit, status: UnitStatus, incidentId: string | null) => {
    const at = now();
    unit.status = status;
    unit.incident_id = incidentId;
    unit.last_report = at;
    emit('unit:status:updated', { unit_id: unit.id, status, incident_id: incidentId, at });
  };
  const setIncidentStatus = (incident: Incident, status: IncidentStatus) => {
    if (incident.status === status) return;
    const at = now();
    incident.status = status;
    incident.updated_at = at;
    emit('incident:status:updated', { incident_id: incident.id, status, at });
  };
  const stamp = (incident: Incident, name: IncidentTimestampName, unitId: string | null, when?: string) => {
    const at = when ?? now();
    incident.timestamps[name] = at;
    incident.updated_at = at;
    emit('incident:timestamp:updated', { incident_id: incident.id, name, unit_id: unitId, at });
  };
  const moveUnit = (unit: Unit, location: Location, heading: number | null, speed: number | null) => {
    const at = now();
    unit.location = { lat: round6(location.lat), lon: round6(location.lon) };
    unit.heading = heading;
    unit.speed = speed === null ? null : Math.round(speed * 10) / 10;
    unit.last_report = at;
    emit('unit:location:updated', { unit_id: unit.id, location: unit.location, heading: unit.heading, speed: unit.speed, at });
  };

  /** One grid step toward the target; returns true on arrival. */
  const drive = (unit: Unit, target: Location, speedKmh: number, dtMs: number): boolean => {
    const from = unit.location ?? target;
    let budgetKm = (speedKmh * dtMs) / 3_600_000;
    let { lat, lon } = from;
    let heading = unit.heading ?? 0;
    const kmPerDegLon = KM_PER_DEG_LAT * Math.cos((lat * Math.PI) / 180);
    const dLatKm = (target.lat - lat) * KM_PER_DEG_LAT;
    if (Math.abs(dLatKm) > 1e-6) {
      const step = Math.min(Math.abs(dLatKm), budgetKm);
      lat += (Math.sign(dLatKm) * step) / KM_PER_DEG_LAT;
      budgetKm -= step;
      heading = dLatKm > 0 ? 0 : 180;
    }
    const dLonKm = (target.lon - lon) * kmPerDegLon;
    if (budgetKm > 0 && Math.abs(dLonKm) > 1e-6) {
      const step = Math.min(Math.abs(dLonKm), budgetKm);
      lon += (Math.sign(dLonKm) * step) / kmPerDegLon;
      budgetKm -= step;
      heading = dLonKm > 0 ? 90 : 270;
    }
    const arrived = distanceKm({ lat, lon }, target) < 0.01;
    moveUnit(unit, arrived ? target : { lat, lon }, heading, arrived ? 0 : speedKmh);
    return arrived;
  };

  /** Simulated time each pending call arrived, for the fallback dispatch. */
  const pendingSince = new Map<string, number>();

  const world = {
    seedUnits(count: number) {
      for (let i = 1; i <= count; i += 1) {
        const id = `U-${String(i).padStart(3, '0')}`;
        if (state.units.has(id)) continue;
        // Two advanced (ALS) units for every basic (BLS) one: the run cards ask for both kinds.
        const als = i % 3 !== 0;
        state.units.set(id, {
          id,
          call_sign: als ? `Medic ${i}` : `Aid ${i}`,
          unit_type: als ? 'ALS' : 'BLS',
          status: 'available',
          location: randomPoint(),
          heading: 0,
          speed: 0,
          incident_id: null,
          last_report: now()
        });
      }
    },

    createIncident(details: Partial<Pick<Incident, 'id' | 'type' | 'priority' | 'address' | 'location'>> = {}): Incident {
      const number = state.nextIncidentNumber++;
      const at = now();
      const incident: Incident = {
        id: details.id ?? `INC-${String(number).padStart(6, '0')}`,
        type: details.type ?? pick(INCIDENT_TYPES),
        priority: details.priority ?? 1 + Math.floor(random() * 4),
        address: details.address ?? `${100 + Math.floor(random() * 9000)} ${pick(STREETS)}, Seattle, WA`,
        location: details.location ?? randomPoint(),
        status: 'pending',
        assigned_units: [],
        timestamps: { call_received: at },
        destination: null,
        notes: [],
        updated_at: at
      };
      state.incidents.set(incident.id, incident);
      pendingSince.set(incident.id, state.clockMs);
      emit('incident:new', { incident: structuredClone(incident), at });
      const auto = options.autoDispatch;
      if (auto === true || (auto && auto.priorities.includes(incident.priority))) {
        const closest = world.closestAvailable(incident);
        if (closest) world.assign(closest, incident);
      }
      return incident;
    },

    dispatchOverdue() {
      for (const [id, since] of pendingSince) {
        const incident = state.incidents.get(id);
        if (!incident || incident.status !== 'pending') {
          pendingSince.delete(id);
          continue;
        }
        if (options.autoDispatchAfterMs === undefined || state.clockMs - since < options.autoDispatchAfterMs) continue;
        const closest = world.closestAvailable(incident);
        if (closest) world.assign(closest, incident);
      }
    },

    closestAvailable(incident: Incident): Unit | null {
      let best: Unit | null = null;
      let bestKm = Infinity;
      for (const unit of state.units.values()) {
        if (unit.status !== 'available' || !unit.location || !incident.location) continue;
        const km = distanceKm(unit.location, incident.location);
        if (km < bestKm) [best, bestKm] = [unit, km];
      }
      return best;
    },

    /** Assigns a unit; one on another open call is diverted from it (that call's crews no longer list it). */
    assign(unit: Unit, incident: Incident) {
      const at = now();
      if (unit.incident_id && unit.incident_id !== incident.id) divertFrom(state.incidents.get(unit.incident_id), unit.id, at);
      unit.incident_id = incident.id;
      unit.last_report = at;
      if (!incident.assigned_units.includes(unit.id)) incident.assigned_units.push(unit.id);
      incident.updated_at = at;
      emit('assignment:received', { unit_id: unit.id, incident_id: incident.id, at });
      setUnitStatus(unit, 'dispatched', incident.id);
      if (incident.status === 'pending') {
        setIncidentStatus(incident, 'dispatched');
        stamp(incident, 'dispatched', unit.id);
      }
      stamp(incident, 'unit_notified', unit.id);
      state.plans.set(unit.id, { phase: 'notified', incidentId: incident.id, until: state.clockMs + 30_000 + random() * 60_000 });
    },

    /** Advances the simulation by `dtMs` simulated milliseconds. */
    step(dtMs: number, incidentsPerMinute: number) {
      state.clockMs += dtMs;
      const expected = (incidentsPerMinute * dtMs) / 60_000;
      let arrivals = Math.floor(expected) + (random() < expected % 1 ? 1 : 0);
      while (arrivals-- > 0) world.createIncident();
      world.dispatchOverdue();
      for (const [unitId, plan] of [...state.plans]) {
        const unit = state.units.get(unitId);
        const incident = state.incidents.get(plan.incidentId);
        if (!unit || !incident) {
          state.plans.delete(unitId);
          continue;
        }
        world.advanceUnit(unit, incident, plan, dtMs);
      }
    },

    advanceUnit(unit: Unit, incident: Incident, plan: NonNullable<ReturnType<SimState['plans']['get']>>, dtMs: number) {
      switch (plan.phase) {
        case 'notified':
          if (state.clockMs < plan.until) return;
          setUnitStatus(unit, 'en_route', incident.id);
          if (incident.status === 'dispatched') setIncidentStatus(incident, 'en_route');
          stamp(incident, 'en_route', unit.id);
          state.plans.set(unit.id, { phase: 'to_scene', incidentId: incident.id, target: incident.location ?? randomPoint(), speedKmh: 45 + random() * 40 });
          return;
        case 'to_scene':
          if (!drive(unit, plan.target, plan.speedKmh, dtMs)) return;
          setUnitStatus(unit, 'on_scene', incident.id);
          setIncidentStatus(incident, 'on_scene');
          stamp(incident, 'on_scene', unit.id);
          stamp(incident, 'at_patient', unit.id);
          state.plans.set(unit.id, { phase: 'on_scene', incidentId: incident.id, until: state.clockMs + 300_000 + random() * 600_000 });
          return;
        case 'on_scene': {
          if (state.clockMs < plan.until) return;
          const hospital = pick(SIM_HOSPITALS);
          stamp(incident, 'left_scene', unit.id);
          setUnitStatus(unit, 'transporting', incident.id);
          setIncidentStatus(incident, 'transporting');
          state.plans.set(unit.id, { phase: 'to_hospital', incidentId: incident.id, target: hospital.location, hospital: hospital.name, speedKmh: 40 + random() * 30 });
          return;
        }
        case 'to_hospital':
          if (!drive(unit, plan.target, plan.speedKmh, dtMs)) return;
          setUnitStatus(unit, 'at_destination', incident.id);
          setIncidentStatus(incident, 'at_destination');
          stamp(incident, 'at_destination', unit.id);
          state.plans.set(unit.id, { phase: 'at_hospital', incidentId: incident.id, hospital: plan.hospital, until: state.clockMs + 600_000 + random() * 600_000 });
          return;
        case 'at_hospital': {
          if (state.clockMs < plan.until) return;
          stamp(incident, 'transfer_of_care', unit.id);
          world.completeTransport(incident, unit.id, plan.hospital, `EPCR-${incident.id}`);
          state.plans.delete(unit.id);
          setUnitStatus(unit, 'available', null);
          stamp(incident, 'back_in_service', unit.id);
          setIncidentStatus(incident, 'closed');
          return;
        }
      }
    },

    addNote(incident: Incident, text: string, author: string | null) {
      const at = now();
      const note = { id: `${incident.id}-N${incident.notes.length + 1}`, text, author, at };
      incident.notes.push(note);
      incident.updated_at = at;
      emit('incident:note:added', { incident_id: incident.id, note: { ...note }, at });
    },

    completeTransport(incident: Incident, unitId: string, destination: string | null, epcrId: string | null) {
      const at = now();
      incident.destination = destination;
      incident.updated_at = at;
      emit('transport:completed', { incident_id: incident.id, unit_id: unitId, destination, epcr_id: epcrId, at });
    },

    publishMetrics(extra: Record<string, number> = {}) {
      const units = [...state.units.values()];
      const incidents = [...state.incidents.values()];
      state.metrics = {
        units_available: units.filter((u) => u.status === 'available').length,
        units_busy: units.filter((u) => u.status !== 'available' && u.status !== 'out_of_service').length,
        incidents_open: incidents.filter((i) => i.status !== 'closed' && i.status !== 'cancelled').length,
        incidents_pending: incidents.filter((i) => i.status === 'pending').length,
        ...extra
      };
      emit('metrics:updated', { metrics: { ...state.metrics }, at: now() });
    },

    setUnitStatus,
    setIncidentStatus,
    stamp,
    moveUnit
  };
  return world;
}

export type World = ReturnType<typeof createWorld>;
