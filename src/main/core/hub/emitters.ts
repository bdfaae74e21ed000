import { ROOM_ALERT_EVENTS, DEVICE_STREAM_EVENTS } from '../../../shared/hubEvents';
import { rooms } from '../../../shared/rooms';
import type { HubPublisher } from './types';
import { isoNow } from '../clock';

/**
 * The room-alert protocol's six emitters, with its event names and rooms, for core code, staff
 * clients (publish_* events) and POST /realtime/test/publish. Hospital-wide
 * alerts and bed changes also go to the device-stream protocol's hospital channels so WebSocket
 * and SSE clients of that catalogue hear them.
 */
export interface SeedEmitters {
  patientAlert(patientId: string, alertType: 'critical' | 'warning' | 'info', alertData: Record<string, unknown>): void;
  riskUpdate(patientId: string, riskScore: number, riskLevel: string, explanation: Record<string, unknown>): void;
  hospitalAlert(hospitalId: string, alertType: 'emergency' | 'capacity' | 'system', alertData: Record<string, unknown>): void;
  triageUpdate(triageId: string, status: 'pending' | 'triaged' | 'assigned', patientId?: string): void;
  availabilityUpdate(hospitalId: string, staffId: string, staffType: 'doctor' | 'nurse', available: boolean): void;
  bedStatusUpdate(hospitalId: string, bedInfo: Record<string, unknown>): void;
}

export function createSeedEmitters(hub: HubPublisher & { rememberTriage?(id: string): void }): SeedEmitters {
  const now = isoNow;
  return {
    patientAlert(patientId, alertType, alertData) {
      hub.publish(rooms.patient(patientId), ROOM_ALERT_EVENTS.patientAlert, {
        patient_id: patientId,
        alert_type: alertType,
        alert_data: alertData,
        timestamp: now()
      });
    },
    riskUpdate(patientId, riskScore, riskLevel, explanation) {
      hub.publish(rooms.patient(patientId), ROOM_ALERT_EVENTS.riskUpdated, {
        patient_id: patientId,
        risk_score: riskScore,
        risk_level: riskLevel,
        explanation,
        timestamp: now()
      });
    },
    hospitalAlert(hospitalId, alertType, alertData) {
      const payload = { hospital_id: hospitalId, alert_type: alertType, alert_data: alertData, timestamp: now() };
      hub.publish(rooms.hospital(hospitalId), ROOM_ALERT_EVENTS.hospitalAlert, payload);
      hub.publish(rooms.hospitalAlerts(hospitalId), alertType === 'emergency' ? DEVICE_STREAM_EVENTS.hospitalEmergency : DEVICE_STREAM_EVENTS.hospitalAlert, payload);
    },
    triageUpdate(triageId, status, patientId) {
      const payload = { triage_id: triageId, status, patient_id: patientId ?? null, timestamp: now() };
      hub.rememberTriage?.(triageId);
      hub.publish(rooms.triage(triageId), ROOM_ALERT_EVENTS.triageUpdated, payload);
      hub.publish(rooms.triageQueue, ROOM_ALERT_EVENTS.triageUpdated, payload);
    },
    availabilityUpdate(hospitalId, staffId, staffType, available) {
      hub.publish(rooms.hospital(hospitalId), ROOM_ALERT_EVENTS.staffAvailability, {
        hospital_id: hospitalId,
        staff_id: staffId,
        staff_type: staffType,
        available,
        timestamp: now()
      });
    },
    bedStatusUpdate(hospitalId, bedInfo) {
      const payload = { hospital_id: hospitalId, bed_info: bedInfo, timestamp: now() };
      hub.publish(rooms.hospital(hospitalId), ROOM_ALERT_EVENTS.bedStatus, payload);
      hub.publish(rooms.hospitalAlerts(hospitalId), DEVICE_STREAM_EVENTS.hospitalCapacity, payload);
    }
  };
}
