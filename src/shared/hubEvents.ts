import { z } from 'zod';

/**
 * Every event a field client (device, crew, patient app, hospital system) may
 * send to the realtime hub, with its payload schema. The hub parses each payload
 * with these before anything else runs; the TypeScript types are inferred here.
 */

const id = z.string().min(1).max(128);
const room = z.string().min(1).max(300);
const latitude = z.number().min(-90).max(90);
const longitude = z.number().min(-180).max(180);
const freeObject = z.record(z.string(), z.unknown());

export const RoomRequestSchema = z.object({
  room,
  /** History offset: the last message id the client saw (subscribe only). */
  since: z.number().int().nonnegative().optional()
});

export const LocationSchema = z.object({
  latitude,
  longitude,
  accuracy_m: z.number().nonnegative().max(100_000).optional(),
  heading: z.number().min(0).max(360).optional(),
  speed_kmh: z.number().min(0).max(500).optional(),
  status: z.string().max(32).optional(),
  timestamp: z.string().max(64).optional()
});

/** The patient app sends a flat `latitude`/`longitude`; newer clients send `location: {...}`. */
const AmbulanceRequestBase = z.object({
  location: z.object({ latitude, longitude }),
  emergency_details: z
    .object({
      type: z.string().min(1).max(64).default('unspecified'),
      description: z.string().max(2000).optional(),
      severity: z.enum(['low', 'medium', 'high', 'critical']).default('high'),
      conscious: z.boolean().optional(),
      breathing: z.boolean().optional()
    })
    .passthrough()
    .default({ type: 'unspecified', severity: 'high' }),
  contact_phone: z.string().max(32).optional()
});
export const AmbulanceRequestSchema = z.preprocess((raw) => {
  if (raw && typeof raw === 'object' && !('location' in raw) && 'latitude' in raw && 'longitude' in raw) {
    const flat = raw as Record<string, unknown>;
    return { ...flat, location: { latitude: flat.latitude, longitude: flat.longitude } };
  }
  return raw;
}, AmbulanceRequestBase);

export const HospitalResponseSchema = z.object({
  request_id: id,
  response: z.enum(['accepted', 'rejected']),
  reason: z.string().max(500).optional(),
  eta_minutes: z.number().min(0).max(600).optional()
});

export const HospitalStatusSchema = z.object({ accepting: z.boolean(), reason: z.string().max(500).optional() });

export const VITAL_TYPES = ['blood_pressure', 'heart_rate', 'spo2', 'temperature', 'respiratory_rate'] as const;

export const DeviceDataSchema = z.object({
  data_type: z.string().min(1).max(64),
  values: z.record(z.string(), z.union([z.number(), z.string().max(256), z.boolean(), z.null()])),
  patient_id: id.optional(),
  timestamp: z.string().max(64).optional()
});

export const DeviceStatusSchema = z.object({
  status: z.enum(['online', 'offline', 'low_battery', 'error', 'maintenance']),
  battery: z.number().min(0).max(100).optional(),
  message: z.string().max(500).optional()
});

// The six emitters of the room-alert protocol, callable by staff clients.
export const PatientAlertPublishSchema = z.object({
  patient_id: id,
  alert_type: z.enum(['critical', 'warning', 'info']),
  alert_data: freeObject.default({})
});
export const RiskUpdatePublishSchema = z.object({
  patient_id: id,
  risk_score: z.number().min(0).max(1),
  risk_level: z.string().min(1).max(32),
  explanation: freeObject.default({})
});
export const HospitalAlertPublishSchema = z.object({
  hospital_id: id,
  alert_type: z.enum(['emergency', 'capacity', 'system']),
  alert_data: freeObject.default({})
});
export const TriageUpdatePublishSchema = z.object({
  triage_id: id,
  status: z.enum(['pending', 'triaged', 'assigned']),
  patient_id: id.optional()
});
export const AvailabilityPublishSchema = z.object({
  hospital_id: id,
  staff_id: id,
  staff_type: z.enum(['doctor', 'nurse']),
  available: z.boolean()
});
export const BedStatusPublishSchema = z.object({
  hospital_id: id,
  bed_info: z.object({ bed_id: id, status: z.string().min(1).max(32), patient_id: id.optional() }).passthrough()
});

export const PingSchema = z.object({ timestamp: z.union([z.string().max(64), z.number()]).optional() }).passthrough();

/** Client event name -> payload schema. Anything else is UNKNOWN_EVENT. */
export const HUB_CLIENT_EVENTS = {
  join_room: RoomRequestSchema,
  leave_room: RoomRequestSchema,
  subscribe: RoomRequestSchema,
  unsubscribe: RoomRequestSchema,
  room_history: RoomRequestSchema,
  ping: PingSchema,
  update_location: LocationSchema,
  ambulance_request: AmbulanceRequestSchema,
  hospital_response: HospitalResponseSchema,
  hospital_status: HospitalStatusSchema,
  device_data: DeviceDataSchema,
  device_status: DeviceStatusSchema,
  publish_patient_alert: PatientAlertPublishSchema,
  publish_risk_update: RiskUpdatePublishSchema,
  publish_hospital_alert: HospitalAlertPublishSchema,
  publish_triage_update: TriageUpdatePublishSchema,
  publish_availability_update: AvailabilityPublishSchema,
  publish_bed_status_update: BedStatusPublishSchema
} as const;

export type HubClientEvent = keyof typeof HUB_CLIENT_EVENTS;
export type HubEventPayload<E extends HubClientEvent> = z.output<(typeof HUB_CLIENT_EVENTS)[E]>;

export const isHubClientEvent = (name: unknown): name is HubClientEvent =>
  typeof name === 'string' && Object.prototype.hasOwnProperty.call(HUB_CLIENT_EVENTS, name);

/** The room-alert protocol server event names the emitters use (Socket.IO clients listen for these). */
export const ROOM_ALERT_EVENTS = {
  patientAlert: 'patient_alert',
  riskUpdated: 'risk_updated',
  hospitalAlert: 'hospital_alert',
  triageUpdated: 'triage_updated',
  staffAvailability: 'staff_availability_changed',
  bedStatus: 'bed_status_changed'
} as const;

/** The device-stream protocol event catalogue (SSE event names; WebSocket `type`s). */
export const DEVICE_STREAM_EVENTS = {
  vitalsUpdate: 'patient.vitals.update',
  patientAlert: 'patient.alert',
  patientStatus: 'patient.status.change',
  deviceData: 'device.data.update',
  deviceStatus: 'device.status.change',
  deviceConnected: 'device.connected',
  deviceDisconnected: 'device.disconnected',
  deviceAlert: 'device.alert',
  hospitalAlert: 'hospital.alert',
  hospitalCapacity: 'hospital.capacity.update',
  hospitalEmergency: 'hospital.emergency',
  systemAlert: 'system.alert',
  systemMaintenance: 'system.maintenance',
  systemUpdate: 'system.update'
} as const;

/**
 * The WebSocket `type` for a published event. The device-stream protocol's clients switch on
 * `vitals_update` and `patient_alert`; everything else keeps its event name.
 */
export const wsMessageType = (event: string): string => (event === DEVICE_STREAM_EVENTS.vitalsUpdate ? 'vitals_update' : event);

/** Ack body every client event gets (Socket.IO ack, or WebSocket `{type:'ack'}`). */
export type HubAck =
  | ({ ok: true; id: number | null } & Record<string, unknown>)
  | { ok: false; error: { code: string; message: string; retry_after_ms?: number } };

/**
 * Error codes after which a device sends the same event again (same `event_id`):
 * the event was not recorded and waiting helps. Any other code is a refusal
 * (docs/hub-protocol.md, "Error codes: retry, or stop").
 */
export const RETRYABLE_HUB_CODES: ReadonlySet<string> = new Set(['UNAVAILABLE', 'RESTARTING', 'RATE_LIMITED', 'TIMEOUT']);
