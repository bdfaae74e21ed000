import { canSubscribe, canonicalRoom, rooms } from '../../../shared/rooms';
import { isDispatchRole, isHospitalStaffRole, type Identity } from '../../../shared/roles';
import { AppError } from '../errors';
import type { EventHandler, HandlerMap, HandlerResult, HubServices } from './events';
import type { HubConn } from './registry';
import { handleDeviceData, handleDeviceStatus } from './deviceHandlers';
import { isoNow } from '../clock';
import { publishedAlertKey, publishPatientAlert } from './patientAlerts';


export function requireRole(conn: HubConn, roles: readonly string[], what: string): void {
  if (!roles.includes(conn.identity.role)) throw new AppError('FORBIDDEN', `Role "${conn.identity.role}" may not ${what}.`);
}

type RoomPayload = { room: string; since?: number };
const joinHandler = ({ hub }: HubServices, conn: HubConn, { room, since }: RoomPayload): HandlerResult => {
  const change = hub.join(conn, room);
  if (!change.ok) throw new AppError(change.code, change.message);
  const ack: Record<string, unknown> = { room: change.room, last_id: hub.history.lastId() };
  if (since !== undefined) ack.history = hub.history.since(change.room, since);
  return { ack };
};

const leaveHandler = ({ hub }: HubServices, conn: HubConn, { room }: RoomPayload): HandlerResult => {
  const change = hub.leave(conn, room);
  if (!change.ok) throw new AppError(change.code, change.message);
  return { ack: { room: change.room } };
};

const historyHandler: EventHandler<'room_history'> = ({ hub }, conn, { room, since }) => {
  const canonical = canonicalRoom(room);
  if (!canonical) throw new AppError('VALIDATION_FAILED', `"${room.slice(0, 80)}" is not a known room name.`);
  const decision = canSubscribe(conn.identity, canonical, hub.accessFacts);
  if (!decision.allowed) throw new AppError('FORBIDDEN', decision.reason);
  return { ack: { room: canonical, last_id: hub.history.lastId(), history: hub.history.since(canonical, since ?? 0) } };
};

/** Staff may publish about a hospital's own business, operators about anything. */
function assertHospitalScope(who: Identity, hospitalId: string) {
  if (isDispatchRole(who.role)) return;
  if (who.role === 'hospital' && who.hospital_id === hospitalId) return;
  throw new AppError('FORBIDDEN', `You may only publish for your own hospital, not ${hospitalId}.`);
}

function assertPatientScope(services: Parameters<EventHandler<'publish_patient_alert'>>[0], who: Identity, patientId: string) {
  if (isDispatchRole(who.role)) return;
  if (who.role === 'hospital' && who.hospital_id && services.hub.accessFacts.isPatientRoutedTo(patientId, who.hospital_id)) return;
  throw new AppError('FORBIDDEN', `Patient ${patientId} is not routed to your hospital.`);
}

const staffOnly = (conn: HubConn, what: string) => {
  if (!isHospitalStaffRole(conn.identity.role)) throw new AppError('FORBIDDEN', `Role "${conn.identity.role}" may not ${what}.`);
};

/** The client events the hospitals domain answers (it plugs them in when it starts). */
export type HospitalEvent = 'ambulance_request' | 'hospital_response' | 'hospital_status';

/** The hub's own answers to client events. */
export const HUB_HANDLERS: Omit<HandlerMap, HospitalEvent> = {
  join_room: joinHandler,
  subscribe: joinHandler,
  leave_room: leaveHandler,
  unsubscribe: leaveHandler,
  room_history: historyHandler,
  ping: (_services, _conn, payload) => ({ ack: { type: 'pong', echo: payload.timestamp ?? null, timestamp: new Date().toISOString() } }),

  update_location(services, conn, location) {
    const { identity } = conn;
    const at = location.timestamp ?? isoNow();
    if (identity.role === 'crew' && identity.unit_id) {
      const unitId = identity.unit_id;
      return {
        log: { patientLatitude: null, patientLongitude: null },
        after() {
          // Field by field, not a spread after unit_id: that object took the slow path (profiled).
          const payload = {
            unit_id: unitId,
            latitude: location.latitude,
            longitude: location.longitude,
            accuracy_m: location.accuracy_m,
            heading: location.heading,
            speed_kmh: location.speed_kmh,
            status: location.status,
            timestamp: at
          };
          services.hub.publish(rooms.unit(unitId), 'unit.location', payload, { exceptConnId: conn.id });
          const moved = {
            unit_id: unitId,
            latitude: location.latitude,
            longitude: location.longitude,
            heading: location.heading ?? null,
            speed_kmh: location.speed_kmh ?? null,
            status: location.status ?? null,
            at
          };
          services.unitMoved(moved);
          services.watchdog.report('crew', unitId);
        }
      };
    }
    if (identity.role === 'patient' && identity.patient_id) {
      const patientId = identity.patient_id;
      return {
        log: { patientLatitude: location.latitude, patientLongitude: location.longitude },
        after() {
          services.hub.publish(rooms.patient(patientId), 'patient.location', { patient_id: patientId, ...location, timestamp: at }, { exceptConnId: conn.id });
        }
      };
    }
    throw new AppError('FORBIDDEN', 'Only patients and crews (with a patient_id or unit_id in their token) report locations.');
  },

  device_data: handleDeviceData,
  device_status: handleDeviceStatus,

  publish_patient_alert(services, conn, p) {
    staffOnly(conn, 'publish patient alerts');
    assertPatientScope(services, conn.identity, p.patient_id);
    if (p.alert_type === 'critical') services.alerts.assertCanRaise(publishedAlertKey(p.patient_id, conn.identity.sub));
    return {
      after: () =>
        publishPatientAlert(services, { patientId: p.patient_id, alertType: p.alert_type, alertData: p.alert_data, source: conn.identity.sub, hospitalId: conn.identity.hospital_id })
    };
  },
  publish_risk_update(services, conn, p) {
    staffOnly(conn, 'publish risk updates');
    assertPatientScope(services, conn.identity, p.patient_id);
    return { after: () => services.emitters.riskUpdate(p.patient_id, p.risk_score, p.risk_level, p.explanation) };
  },
  publish_hospital_alert(services, conn, p) {
    staffOnly(conn, 'publish hospital alerts');
    assertHospitalScope(conn.identity, p.hospital_id);
    if (p.alert_type === 'emergency') services.alerts.assertCanRaise(`hospital:${p.hospital_id}:emergency`);
    return {
      log: { hospitalId: p.hospital_id },
      after() {
        services.emitters.hospitalAlert(p.hospital_id, p.alert_type, p.alert_data);
        if (p.alert_type === 'emergency') {
          services.alerts.raise({
            key: `hospital:${p.hospital_id}:emergency`,
            kind: 'hospital',
            severity: 'critical',
            title: `Emergency at hospital ${p.hospital_id}`,
            message: typeof p.alert_data.message === 'string' ? p.alert_data.message : 'Hospital reported an emergency.',
            source: `hub:${conn.identity.sub}`,
            hospitalId: p.hospital_id,
            data: p.alert_data,
            bounded: true
          });
        }
      }
    };
  },
  publish_triage_update(services, conn, p) {
    staffOnly(conn, 'publish triage updates');
    return { after: () => services.emitters.triageUpdate(p.triage_id, p.status, p.patient_id) };
  },
  publish_availability_update(services, conn, p) {
    staffOnly(conn, 'publish staff availability');
    assertHospitalScope(conn.identity, p.hospital_id);
    return { log: { hospitalId: p.hospital_id }, after: () => services.emitters.availabilityUpdate(p.hospital_id, p.staff_id, p.staff_type, p.available) };
  },
  publish_bed_status_update(services, conn, p) {
    staffOnly(conn, 'publish bed status');
    assertHospitalScope(conn.identity, p.hospital_id);
    return { log: { hospitalId: p.hospital_id }, after: () => services.emitters.bedStatusUpdate(p.hospital_id, p.bed_info) };
  }
};
