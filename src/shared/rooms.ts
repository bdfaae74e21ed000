import { isDispatchRole, type Identity } from './roles';

/**
 * Realtime room names. The canonical form is the device-stream protocol's hierarchy
 * (`patient:{id}:vitals`); the room-alert protocol's flat names (`patient_P123`) are aliases
 * that resolve to the same room, so clients written against either keep working.
 * Access rules are pure functions of the identity and the few facts of the
 * dispatch picture they need, so they are unit-tested without sockets.
 */

const ID = '[A-Za-z0-9][A-Za-z0-9._-]{0,127}';
const TYPE = '[A-Za-z0-9][A-Za-z0-9._-]{0,63}';

export const rooms = {
  patient: (id: string) => `patient:${id}`,
  patientVitals: (id: string) => `patient:${id}:vitals`,
  patientAlerts: (id: string) => `patient:${id}:alerts`,
  hospital: (id: string) => `hospital:${id}`,
  hospitalAlerts: (id: string) => `hospital:${id}:alerts`,
  hospitalDevices: (id: string) => `hospital:${id}:devices`,
  device: (type: string, id: string) => `device:${type}:${id}`,
  deviceStatus: (type: string, id: string) => `device:${type}:${id}:status`,
  triage: (id: string) => `triage:${id}`,
  unit: (id: string) => `unit:${id}`,
  incident: (id: string) => `incident:${id}`,
  triageQueue: 'triage_queue',
  dispatch: 'dispatch',
  systemAlerts: 'system:alerts',
  adminUpdates: 'admin:updates'
} as const;

/** A parsed room: what it is about, so access rules can reason about it. */
export type ParsedRoom =
  | { kind: 'patient'; patientId: string; channel: 'general' | 'vitals' | 'alerts' }
  | { kind: 'hospital'; hospitalId: string; channel: 'general' | 'alerts' | 'devices' }
  | { kind: 'device'; deviceType: string; deviceId: string; channel: 'data' | 'status' }
  | { kind: 'triage'; triageId: string }
  | { kind: 'triage_queue' }
  | { kind: 'unit'; unitId: string }
  | { kind: 'incident'; incidentId: string }
  | { kind: 'dispatch' }
  | { kind: 'system_alerts' }
  | { kind: 'admin_updates' };

const PATTERNS: Array<[RegExp, (m: RegExpMatchArray) => ParsedRoom]> = [
  [new RegExp(`^patient:(${ID})$`), (m) => ({ kind: 'patient', patientId: m[1]!, channel: 'general' })],
  [new RegExp(`^patient:(${ID}):(vitals|alerts)$`), (m) => ({ kind: 'patient', patientId: m[1]!, channel: m[2] as 'vitals' | 'alerts' })],
  [new RegExp(`^hospital:(${ID})$`), (m) => ({ kind: 'hospital', hospitalId: m[1]!, channel: 'general' })],
  [new RegExp(`^hospital:(${ID}):(alerts|devices)$`), (m) => ({ kind: 'hospital', hospitalId: m[1]!, channel: m[2] as 'alerts' | 'devices' })],
  [new RegExp(`^device:(${TYPE}):(${ID})$`), (m) => ({ kind: 'device', deviceType: m[1]!, deviceId: m[2]!, channel: 'data' })],
  [new RegExp(`^device:(${TYPE}):(${ID}):status$`), (m) => ({ kind: 'device', deviceType: m[1]!, deviceId: m[2]!, channel: 'status' })],
  [new RegExp(`^triage:(${ID})$`), (m) => ({ kind: 'triage', triageId: m[1]! })],
  [new RegExp(`^unit:(${ID})$`), (m) => ({ kind: 'unit', unitId: m[1]! })],
  [new RegExp(`^incident:(${ID})$`), (m) => ({ kind: 'incident', incidentId: m[1]! })],
  [/^triage_queue$/, () => ({ kind: 'triage_queue' })],
  [/^dispatch$/, () => ({ kind: 'dispatch' })],
  [/^system:alerts$/, () => ({ kind: 'system_alerts' })],
  [/^admin:updates$/, () => ({ kind: 'admin_updates' })]
];

/** The room-alert protocol's flat names: `patient_P123`, `hospital_H1`, `triage_T9` (ids may not contain ':'). */
const FLAT_ROOM_ALIAS = new RegExp(`^(patient|hospital|triage)_(${ID})$`);

/**
 * Resolves a room name in either naming scheme to its canonical name, or null
 * when it is not a room Switchboard knows (clients cannot invent rooms).
 */
export function canonicalRoom(name: string): string | null {
  if (typeof name !== 'string' || name.length === 0 || name.length > 300) return null;
  if (name !== 'triage_queue') {
    const alias = FLAT_ROOM_ALIAS.exec(name);
    if (alias) return `${alias[1]}:${alias[2]}`;
  }
  return parseRoom(name) ? name : null;
}

export function parseRoom(name: string): ParsedRoom | null {
  for (const [pattern, build] of PATTERNS) {
    const m = pattern.exec(name);
    if (m) return build(m);
  }
  return null;
}

/** The facts of the dispatch picture access rules depend on. */
export interface AccessFacts {
  /** Incidents the crew's unit is assigned to (from the dispatch state). */
  incidentsOfUnit(unitId: string): readonly string[];
  /** Whether a patient is currently routed to (offered to or accepted by) a hospital. */
  isPatientRoutedTo(patientId: string, hospitalId: string): boolean;
}

export type AccessDecision = { allowed: true } | { allowed: false; reason: string };

const allow: AccessDecision = { allowed: true };
const deny = (reason: string): AccessDecision => ({ allowed: false, reason });

/** May `who` subscribe to (receive the traffic of) canonical room `room`? */
export function canSubscribe(who: Identity, room: string, facts: AccessFacts): AccessDecision {
  const parsed = parseRoom(room);
  if (!parsed) return deny(`"${room}" is not a known room.`);
  if (parsed.kind === 'admin_updates') return who.role === 'admin' ? allow : deny('Only admins may join admin:updates.');
  if (isDispatchRole(who.role)) return allow;
  switch (who.role) {
    case 'patient':
      if (parsed.kind === 'patient' && who.patient_id === parsed.patientId) return allow;
      return deny('A patient may only join its own patient rooms.');
    case 'hospital':
      if (!who.hospital_id) return deny('This hospital token carries no hospital_id.');
      if (parsed.kind === 'hospital') {
        return parsed.hospitalId === who.hospital_id ? allow : deny("Hospital staff may only join their own hospital's rooms.");
      }
      if (parsed.kind === 'patient') {
        return facts.isPatientRoutedTo(parsed.patientId, who.hospital_id)
          ? allow
          : deny(`Patient ${parsed.patientId} is not routed to hospital ${who.hospital_id}.`);
      }
      if (parsed.kind === 'triage' || parsed.kind === 'triage_queue' || parsed.kind === 'system_alerts') return allow;
      return deny('Hospital staff may join their hospital, its routed patients, triage and system alerts only.');
    case 'crew':
      if (!who.unit_id) return deny('This crew token carries no unit_id.');
      if (parsed.kind === 'unit') return parsed.unitId === who.unit_id ? allow : deny('A crew may only join its own unit room.');
      if (parsed.kind === 'incident') {
        return facts.incidentsOfUnit(who.unit_id).includes(parsed.incidentId)
          ? allow
          : deny(`Unit ${who.unit_id} is not assigned to incident ${parsed.incidentId}.`);
      }
      return deny('A crew may join its unit and its assigned incidents only.');
    case 'device':
      if (parsed.kind === 'device' && parsed.deviceType === who.device_type && parsed.deviceId === who.device_id) return allow;
      return deny('A device may only join its own device rooms.');
    default:
      return deny(`Role "${who.role}" may not join realtime rooms.`);
  }
}

/** Rooms a connection joins on its own at connect, so direct messages reach it. */
export function homeRooms(who: Identity): string[] {
  switch (who.role) {
    case 'patient':
      return who.patient_id ? [rooms.patient(who.patient_id)] : [];
    case 'hospital':
      return who.hospital_id ? [rooms.hospital(who.hospital_id)] : [];
    case 'crew':
      return who.unit_id ? [rooms.unit(who.unit_id)] : [];
    case 'device':
      return who.device_id && who.device_type ? [rooms.device(who.device_type, who.device_id)] : [];
    default:
      return [];
  }
}

/** The device-stream protocol's auto-subscriptions for the patient and hospital endpoints. */
export const patientEndpointRooms = (id: string) => [rooms.patient(id), rooms.patientVitals(id), rooms.patientAlerts(id)];
export const hospitalEndpointRooms = (id: string) => [rooms.hospital(id), rooms.hospitalAlerts(id), rooms.hospitalDevices(id)];
export const deviceEndpointRooms = (type: string, id: string) => [rooms.device(type, id), rooms.deviceStatus(type, id)];
