import { DEVICE_STREAM_EVENTS, VITAL_TYPES } from '../../../shared/hubEvents';
import { rooms } from '../../../shared/rooms';
import { AppError } from '../errors';
import type { EventHandler } from './events';
import { evaluateVitals, worstSeverity } from './vitals';
import { isoNow } from '../clock';

const VITAL_DATA_TYPES = new Set<string>([...VITAL_TYPES, 'vitals']);

function deviceIdentity(conn: Parameters<EventHandler<'device_data'>>[1]) {
  const { role, device_id, device_type } = conn.identity;
  if (role !== 'device' || !device_id || !device_type) {
    throw new AppError('FORBIDDEN', 'Only a device (token with device_id and device_type) may send device events.');
  }
  return { deviceId: device_id, deviceType: device_type };
}

/**
 * The device-stream protocol's device data: the reading goes to the device's room, vitals to
 * `patient:{id}:vitals`, and abnormal values raise `patient.alert` to
 * `patient:{id}:alerts`, the room-alert protocol's `patient_alert`, and an alert for the
 * consoles (cleared when the same measurement is normal again).
 */
export const handleDeviceData: EventHandler<'device_data'> = (services, conn, data) => {
  const { deviceId, deviceType } = deviceIdentity(conn);
  const bound = conn.identity.patient_id;
  if (data.patient_id && data.patient_id !== bound) {
    throw new AppError('FORBIDDEN', `This device is bound to ${bound ? `patient ${bound}` : 'no patient'}, not ${data.patient_id}.`);
  }
  const patientId = bound ?? null;
  const timestamp = data.timestamp ?? isoNow();
  const isVital = VITAL_DATA_TYPES.has(data.data_type) && patientId !== null;
  const reading = isVital ? evaluateVitals(data.data_type, data.values, services.hub.config.vitals) : null;
  const severity = reading ? worstSeverity(reading.findings) : null;

  return {
    log: { eventData: { device_type: deviceType, device_id: deviceId, ...data } },
    after() {
      const { hub } = services;
      services.watchdog.report('device', deviceId, deviceType);
      hub.publish(rooms.device(deviceType, deviceId), DEVICE_STREAM_EVENTS.deviceData, {
        device_type: deviceType,
        device_id: deviceId,
        data_type: data.data_type,
        values: data.values,
        timestamp
      });
      if (!reading || !patientId) return { abnormal: false };
      hub.publish(rooms.patientVitals(patientId), DEVICE_STREAM_EVENTS.vitalsUpdate, {
        patient_id: patientId,
        [data.data_type]: data.values,
        vitals: reading.vitals,
        device_id: deviceId,
        device_type: deviceType,
        timestamp
      });
      if (services.watchedPatients.has(patientId)) {
        services.bus.publish('patient.vitals', {
          patient_id: patientId,
          data_type: data.data_type,
          values: data.values,
          vitals: reading.vitals,
          device_id: deviceId,
          device_type: deviceType,
          abnormal: reading.findings.length > 0,
          at: timestamp
        });
      }
      const alertKey = `vitals:${patientId}:${data.data_type}`;
      const decision = services.vitalsGate.decide(alertKey, reading.alertType ? severity : null, reading.vitals);
      if (!severity || !reading.alertType) {
        if (decision === 'clear') services.alerts.clear(alertKey, 'hub');
        return { abnormal: false };
      }
      const described = reading.findings.map((f) => `${f.metric} ${f.value}`).join(', ');
      const message =
        data.data_type === 'blood_pressure' && reading.vitals.systolic !== undefined && reading.vitals.diastolic !== undefined
          ? `High blood pressure detected: ${reading.vitals.systolic}/${reading.vitals.diastolic}`
          : `Abnormal ${data.data_type.replace(/_/g, ' ')}: ${described}`;
      const alertData = { ...reading.vitals, device_id: deviceId, device_type: deviceType, findings: reading.findings };
      hub.publish(rooms.patientAlerts(patientId), DEVICE_STREAM_EVENTS.patientAlert, {
        patient_id: patientId,
        alert_type: reading.alertType,
        severity,
        message,
        data: alertData,
        timestamp
      });
      services.emitters.patientAlert(patientId, severity, { message, alert_type: reading.alertType, ...alertData });
      // The device's own rooms hear every abnormal reading; the consoles' alert waits for the gate.
      if (decision !== 'raise') return { abnormal: true, alert_type: reading.alertType, severity };
      services.alerts.raise({
        key: alertKey,
        kind: 'vitals',
        severity,
        title: `Patient ${patientId}: ${reading.alertType.replace(/_/g, ' ')}`,
        message,
        source: `device:${deviceType}:${deviceId}`,
        patientId,
        data: alertData
      });
      return { abnormal: true, alert_type: reading.alertType, severity };
    }
  };
};

export const handleDeviceStatus: EventHandler<'device_status'> = (services, conn, status) => {
  const { deviceId, deviceType } = deviceIdentity(conn);
  return {
    log: { eventData: { device_type: deviceType, device_id: deviceId, ...status } },
    after() {
      services.watchdog.report('device', deviceId, deviceType);
      const payload = { device_type: deviceType, device_id: deviceId, ...status, timestamp: new Date().toISOString() };
      services.hub.publish(rooms.deviceStatus(deviceType, deviceId), DEVICE_STREAM_EVENTS.deviceStatus, payload);
      if (conn.identity.hospital_id) services.hub.publish(rooms.hospitalDevices(conn.identity.hospital_id), DEVICE_STREAM_EVENTS.deviceStatus, payload);
    }
  };
};
