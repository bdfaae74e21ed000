import type { Incident, Unit } from '../../../shared/cad';
import type { AmbulanceRequestRecord, Hospital, UnitLocation } from '../../../shared/contract/hub';

/**
 * The console's view of units, incidents, hospitals and ambulance requests,
 * built from the contract's (already parsed) payloads. Views draw these, so a
 * contract change is absorbed here and nowhere else.
 */

export const UNIT_STATUSES = ['available', 'dispatched', 'enroute', 'onscene', 'transporting', 'athospital', 'outofservice', 'unknown'] as const;
export type UnitStatus = (typeof UNIT_STATUSES)[number];

export interface UnitView {
  id: string;
  callsign: string;
  status: UnitStatus;
  /** NaN while the unit has not reported a position (it is listed, not drawn). */
  lat: number;
  lon: number;
  heading: number;
  statusSince: number;
  updatedAt: number;
  incidentId: string | null;
  /** Known to the CAD (assignable); false for a crew seen only through its own hub reports. */
  cad: boolean;
  /** Capability class from the CAD (ALS, BLS...), null when the CAD does not say. */
  unitType: string | null;
  /** The last few drawn positions, oldest first (the map's short trail). */
  trail?: ReadonlyArray<readonly [number, number]>;
}

export interface IncidentView {
  id: string;
  priority: number;
  type: string;
  address: string;
  lat: number;
  lon: number;
  status: string;
  createdAt: number;
  statusSince: number;
  units: string[];
  /** NEMSIS-style incident times (eTimes), by name. */
  times: Record<string, string>;
}

export interface HospitalView {
  id: string;
  name: string;
  lat: number;
  lon: number;
  accepting: boolean;
}

export interface RequestView {
  id: string;
  patientId: string;
  lat: number;
  lon: number;
  status: AmbulanceRequestRecord['status'];
  createdAt: number;
  hospitalName: string | null;
  attempts: number;
}

const STATUS_MAP: Record<Unit['status'], UnitStatus> = {
  available: 'available',
  dispatched: 'dispatched',
  en_route: 'enroute',
  on_scene: 'onscene',
  transporting: 'transporting',
  at_destination: 'athospital',
  out_of_service: 'outofservice'
};

export function normaliseStatus(value: string | null | undefined): UnitStatus {
  return STATUS_MAP[value as Unit['status']] ?? 'unknown';
}

const ms = (iso: string | null | undefined, fallback: number) => {
  const t = iso ? Date.parse(iso) : Number.NaN;
  return Number.isFinite(t) ? t : fallback;
};

/** A unit from the CAD picture; `previous` keeps its time-in-status across updates. */
export function toUnit(unit: Unit, previous: UnitView | undefined, now = Date.now()): UnitView {
  const status = normaliseStatus(unit.status);
  const updatedAt = ms(unit.last_report, now);
  return {
    id: unit.id,
    callsign: unit.call_sign,
    status,
    lat: unit.location?.lat ?? previous?.lat ?? Number.NaN,
    lon: unit.location?.lon ?? previous?.lon ?? Number.NaN,
    heading: unit.heading ?? previous?.heading ?? 0,
    statusSince: previous && previous.status === status ? previous.statusSince : previous ? now : updatedAt,
    updatedAt,
    incidentId: unit.incident_id,
    cad: true,
    unitType: unit.unit_type ?? previous?.unitType ?? null
  };
}

/** A crew's own position report through the hub (between CAD updates, or before the CAD knows the unit). */
export function withLocation(previous: UnitView | undefined, report: UnitLocation, now = Date.now()): UnitView {
  if (!previous) {
    const status = report.status ? normaliseStatus(report.status) : 'unknown';
    const at = ms(report.at, now);
    return { id: report.unit_id, callsign: report.unit_id, status, lat: report.latitude, lon: report.longitude, heading: report.heading ?? 0, statusSince: at, updatedAt: at, incidentId: null, cad: false, unitType: null };
  }
  const status = report.status ? normaliseStatus(report.status) : previous.status;
  return {
    ...previous,
    lat: report.latitude,
    lon: report.longitude,
    heading: report.heading ?? previous.heading,
    status: status === 'unknown' ? previous.status : status,
    statusSince: status !== 'unknown' && status !== previous.status ? now : previous.statusSince,
    updatedAt: ms(report.at, now)
  };
}

/** The incident time that marks entry into each status: a timer counts from it, not from the call. */
const STATUS_ENTERED: Record<string, string> = {
  pending: 'call_received',
  dispatched: 'dispatched',
  en_route: 'en_route',
  on_scene: 'on_scene',
  transporting: 'left_scene',
  at_destination: 'at_destination'
};

export function toIncident(incident: Incident, now = Date.now()): IncidentView {
  const times: Record<string, string> = {};
  for (const [name, at] of Object.entries(incident.timestamps)) if (typeof at === 'string') times[name] = at;
  const createdAt = ms(incident.timestamps.call_received, ms(incident.updated_at, now));
  return {
    id: incident.id,
    priority: incident.priority,
    type: incident.type,
    address: incident.address,
    lat: incident.location?.lat ?? Number.NaN,
    lon: incident.location?.lon ?? Number.NaN,
    status: incident.status,
    createdAt,
    statusSince: ms(times[STATUS_ENTERED[incident.status] ?? ''], ms(incident.updated_at, createdAt)),
    units: incident.assigned_units,
    times
  };
}

export function toHospital(h: Hospital): HospitalView {
  return { id: h.id, name: h.name, lat: h.latitude, lon: h.longitude, accepting: h.accepting };
}

export function toRequest(r: AmbulanceRequestRecord): RequestView {
  return {
    id: r.id,
    patientId: r.patient_id,
    lat: r.latitude,
    lon: r.longitude,
    status: r.status,
    createdAt: ms(r.created_at, Date.now()),
    hospitalName: r.hospital_name,
    attempts: r.attempts.length
  };
}

export const hasPosition = (p: { lat: number; lon: number }) => Number.isFinite(p.lat) && Number.isFinite(p.lon);
