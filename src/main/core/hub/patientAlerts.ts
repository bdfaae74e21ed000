import { DEVICE_STREAM_EVENTS } from '../../../shared/hubEvents';
import { rooms } from '../../../shared/rooms';
import type { HubServices } from './events';

export interface PublishedPatientAlert {
  patientId: string;
  alertType: 'critical' | 'warning' | 'info';
  alertData: Record<string, unknown>;
  /** Who raised it (a hospital user, an admin's test publish). */
  source: string;
  hospitalId?: string | null;
}

/**
 * A patient alert raised by a person or a REST call reaches every audience a
 * device's vitals alert reaches: the device-stream protocol's `patient:{id}:alerts`, the room-alert protocol's
 * `patient_{id}` room and, when critical, the consoles. One open console alert
 * per patient and source: repeats refresh it instead of piling up.
 */
export function publishPatientAlert(services: Pick<HubServices, 'hub' | 'emitters' | 'alerts'>, alert: PublishedPatientAlert): void {
  services.emitters.patientAlert(alert.patientId, alert.alertType, alert.alertData);
  services.hub.publish(rooms.patientAlerts(alert.patientId), DEVICE_STREAM_EVENTS.patientAlert, {
    patient_id: alert.patientId,
    alert_type: alert.alertType,
    severity: alert.alertType,
    data: alert.alertData,
    source: alert.source
  });
  if (alert.alertType !== 'critical') return;
  services.alerts.raise({
    key: publishedAlertKey(alert.patientId, alert.source),
    kind: 'patient',
    severity: 'critical',
    title: `Critical alert for patient ${alert.patientId}`,
    message: typeof alert.alertData.message === 'string' ? alert.alertData.message : 'Critical condition reported by hospital staff.',
    source: `hub:${alert.source}`,
    patientId: alert.patientId,
    hospitalId: alert.hospitalId ?? null,
    data: alert.alertData,
    bounded: true
  });
}

/** The console alert key publishPatientAlert uses (so a handler can check the open-alert bound first). */
export const publishedAlertKey = (patientId: string, source: string) => `patient:${patientId}:published:${source}`;
