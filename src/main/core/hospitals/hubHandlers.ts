import { AppError } from '../errors';
import type { DomainHandlers, HandlerResult } from '../hub/events';
import { requireRole, type HospitalEvent } from '../hub/handlers';
import type { AmbulanceRequests } from './ambulanceRequests';
import type { HospitalRegistry } from './hospitals';

/**
 * The hospitals domain's answers to hub client events: a patient's ambulance
 * request, a hospital's response to one, and a hospital opening or closing for
 * new patients. The hub runs them on its one event path (limits, schema, log
 * row, ack) like its own.
 */
export function createHospitalHandlers(registry: HospitalRegistry, requests: AmbulanceRequests): Required<Pick<DomainHandlers, HospitalEvent>> {
  return {
    async ambulance_request(services, conn, payload, clientEventId): Promise<HandlerResult> {
      const patientId = conn.identity.patient_id;
      if (conn.identity.role !== 'patient' || !patientId) {
        throw new AppError('FORBIDDEN', 'Only a patient (token with patient_id) may request an ambulance.');
      }
      const { id, duplicate } = await services.hub.writeLog({
        clientEventId,
        eventType: 'ambulance_request',
        socketId: conn.id,
        userId: conn.identity.sub,
        userRole: conn.identity.role,
        eventData: payload,
        requestData: payload.emergency_details,
        patientLatitude: payload.location.latitude,
        patientLongitude: payload.location.longitude,
        status: 'pending',
        processed: false,
        ipAddress: conn.ip,
        userAgent: conn.userAgent
      });
      // A resend of a request the log already holds: the request was opened then (or died with the process).
      if (duplicate) return { loggedAs: id, duplicate: true };
      // Ack first (the row is committed), then offer: the hospital never sees a request the log lacks.
      return {
        loggedAs: id,
        after() {
          const request = requests.open({ patientId, socketId: conn.id, role: conn.identity.role }, payload, id);
          return { request_id: request.id, status: request.status, hospital_id: request.hospital_id, hospital_name: request.hospital_name, distance_km: request.distance_km };
        }
      };
    },

    async hospital_response(services, conn, payload) {
      requireRole(conn, ['hospital'], 'answer ambulance requests');
      if (!conn.identity.hospital_id) throw new AppError('FORBIDDEN', 'This hospital token carries no hospital_id.');
      const hospital = registry.get(conn.identity.hospital_id);
      const request = await requests.respond(conn.identity.hospital_id, payload);
      return {
        ack: { request_id: request.id, status: request.status },
        log: {
          hospitalId: conn.identity.hospital_id,
          hospitalName: hospital?.name ?? null,
          responseData: payload,
          status: 'success'
        }
      };
    },

    async hospital_status(services, conn, payload) {
      requireRole(conn, ['hospital'], 'change a hospital status');
      const hospitalId = conn.identity.hospital_id;
      if (!hospitalId) throw new AppError('FORBIDDEN', 'This hospital token carries no hospital_id.');
      const hospital = await registry.update(hospitalId, { accepting: payload.accepting });
      return { ack: { hospital_id: hospital.id, accepting: hospital.accepting }, log: { hospitalId, hospitalName: hospital.name } };
    }
  };
}
