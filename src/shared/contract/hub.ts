import { z } from 'zod';
import { DISPATCH_ROLES, OPERATOR_ROLES } from '../roles';
import { event, method } from './define';

/** Console contract of the realtime hub, hospitals registry and ambulance requests. */


export const HUB_TRANSPORTS = ['socketio', 'websocket', 'sse'] as const;
export const HubTransportSchema = z.enum(HUB_TRANSPORTS);

export const HubConnectionSchema = z.object({
  id: z.string(),
  transport: HubTransportSchema,
  role: z.string(),
  user: z.string(),
  rooms: z.array(z.string()),
  connected_at: z.string(),
  last_seen: z.string(),
  ip: z.string().nullable(),
  user_agent: z.string().nullable(),
  messages_in: z.number().int(),
  messages_out: z.number().int(),
  /** Quiet past the expected reporting interval of its kind (devices and crews). */
  stale: z.boolean(),
  /** Cluster mode: the node that holds the connection. */
  node: z.string().optional()
});
export type HubConnection = z.infer<typeof HubConnectionSchema>;

export const HubStatsSchema = z.object({
  at: z.string(),
  connections: z.number().int(),
  by_transport: z.record(z.string(), z.number().int()),
  by_role: z.record(z.string(), z.number().int()),
  rooms: z.number().int(),
  events_in_per_sec: z.number(),
  events_out_per_sec: z.number(),
  events_in_total: z.number().int(),
  events_out_total: z.number().int(),
  /** Cluster mode: how many nodes these figures add up (every live node's connections and rates). */
  nodes: z.number().int().optional()
});
export type HubStats = z.infer<typeof HubStatsSchema>;

export const HubPresenceSchema = z.object({
  kind: z.enum(['connected', 'disconnected', 'joined', 'left']),
  connection_id: z.string(),
  transport: HubTransportSchema,
  role: z.string(),
  user: z.string(),
  room: z.string().nullable(),
  at: z.string()
});

export const HospitalSchema = z.object({
  id: z.string(),
  name: z.string(),
  latitude: z.number(),
  longitude: z.number(),
  accepting: z.boolean(),
  address: z.string().nullable(),
  phone: z.string().nullable(),
  updated_at: z.string()
});
export type Hospital = z.infer<typeof HospitalSchema>;

export const HospitalUpdateSchema = z.object({
  name: z.string().min(1).max(200).optional(),
  latitude: z.number().min(-90).max(90).optional(),
  longitude: z.number().min(-180).max(180).optional(),
  accepting: z.boolean().optional(),
  address: z.string().max(300).nullable().optional(),
  phone: z.string().max(40).nullable().optional()
});

export const AMBULANCE_REQUEST_STATUSES = ['pending', 'accepted', 'failed'] as const;

export const AmbulanceAttemptSchema = z.object({
  hospital_id: z.string(),
  hospital_name: z.string(),
  distance_km: z.number(),
  offered_at: z.string(),
  outcome: z.enum(['offered', 'accepted', 'rejected', 'timeout', 'withdrawn']),
  reason: z.string().nullable(),
  answered_at: z.string().nullable()
});

export const AmbulanceRequestRecordSchema = z.object({
  id: z.string(),
  log_id: z.number().int().nullable(),
  patient_id: z.string(),
  latitude: z.number(),
  longitude: z.number(),
  emergency: z.record(z.string(), z.unknown()),
  status: z.enum(AMBULANCE_REQUEST_STATUSES),
  created_at: z.string(),
  updated_at: z.string(),
  hospital_id: z.string().nullable(),
  hospital_name: z.string().nullable(),
  distance_km: z.number().nullable(),
  response_time_ms: z.number().int().nullable(),
  error: z.string().nullable(),
  attempts: z.array(AmbulanceAttemptSchema)
});
export type AmbulanceRequestRecord = z.infer<typeof AmbulanceRequestRecordSchema>;

export const UnitLocationSchema = z.object({
  unit_id: z.string(),
  latitude: z.number(),
  longitude: z.number(),
  heading: z.number().nullable(),
  speed_kmh: z.number().nullable(),
  status: z.string().nullable(),
  at: z.string()
});
export type UnitLocation = z.infer<typeof UnitLocationSchema>;

export const PatientVitalsSchema = z.object({
  patient_id: z.string(),
  data_type: z.string(),
  values: z.record(z.string(), z.unknown()),
  /** Flat numeric readings (systolic, diastolic, heart_rate, spo2, temperature, respiratory_rate). */
  vitals: z.record(z.string(), z.number()),
  device_id: z.string().nullable(),
  device_type: z.string().nullable(),
  abnormal: z.boolean(),
  at: z.string()
});

export const hubMethods = {
  'hub.connections': method({
    summary: 'Live hub connections: counts by transport, role and room, and a searchable list.',
    roles: OPERATOR_ROLES,
    input: z.object({
      transport: HubTransportSchema.optional(),
      role: z.string().max(32).optional(),
      room: z.string().max(300).optional(),
      search: z.string().max(128).optional(),
      staleOnly: z.boolean().default(false),
      limit: z.number().int().min(1).max(5000).default(500)
    }),
    output: z.object({
      total: z.number().int(),
      by_transport: z.record(z.string(), z.number().int()),
      by_role: z.record(z.string(), z.number().int()),
      by_room: z.record(z.string(), z.number().int()),
      /** Cluster mode: connections per node. */
      by_node: z.record(z.string(), z.number().int()).optional(),
      connections: z.array(HubConnectionSchema)
    })
  }),
  'hub.cluster': method({
    summary: 'Cluster mode: the nodes with their health and connections, and which node answered; single-node mode says so.',
    roles: OPERATOR_ROLES,
    input: z.object({}).strict(),
    output: z.object({
      mode: z.enum(['single', 'cluster']),
      /** The node that answered (null on a single node). */
      node: z.string().nullable(),
      nodes: z.array(
        z.object({
          name: z.string(),
          status: z.enum(['up', 'late', 'down', 'stopped']),
          started_at: z.string(),
          heartbeat_age_seconds: z.number(),
          /** Hub connections it holds (from the cluster's connection registry). */
          connections: z.number().int()
        })
      )
    })
  }),
  'hub.stats': method({
    summary: 'Hub counters for the status strip (also pushed as hub.stats).',
    roles: OPERATOR_ROLES,
    input: z.object({}).strict(),
    output: HubStatsSchema
  }),
  'hospitals.list': method({
    summary: 'The hospitals registry with locations and whether each accepts ambulance requests.',
    roles: OPERATOR_ROLES,
    input: z.object({}).strict(),
    output: z.array(HospitalSchema)
  }),
  'hospitals.update': method({
    summary: 'Change a hospital (accepting flag, name, location, contact).',
    roles: DISPATCH_ROLES,
    input: HospitalUpdateSchema.extend({ id: z.string().min(1).max(128) }),
    output: HospitalSchema
  }),
  'requests.linkIncident': method({
    summary: 'Link an ambulance request to the CAD incident it became (recorded in the log; the incident report then tells its hospital offers and answers).',
    roles: DISPATCH_ROLES,
    input: z.object({ request_id: z.string().min(1).max(128), incident_id: z.string().min(1).max(128) }),
    output: z.object({ request_id: z.string(), incident_id: z.string(), log_id: z.number().int().nullable() })
  }),
  'requests.list': method({
    summary: 'Recent ambulance requests with every hospital offered, newest first.',
    roles: OPERATOR_ROLES,
    input: z.object({
      status: z.enum(AMBULANCE_REQUEST_STATUSES).optional(),
      limit: z.number().int().min(1).max(1000).default(200)
    }),
    output: z.array(AmbulanceRequestRecordSchema)
  }),
  'patients.watch': method({
    summary: 'Start receiving patient.vitals for a patient (renew every few minutes while shown).',
    roles: DISPATCH_ROLES,
    input: z.object({ patient_id: z.string().min(1).max(128) }),
    output: z.object({
      watching: z.array(z.string()),
      /** Configured limits per measurement, for drawing normal bands. */
      limits: z.record(z.string(), z.object({ low: z.number().optional(), high: z.number().optional() })),
      /** Recent vitals, alerts and request updates of the patient, oldest first. */
      history: z.array(z.object({ id: z.number().int(), room: z.string(), event: z.string(), data: z.unknown(), timestamp: z.string() }))
    })
  }),
  'patients.unwatch': method({
    summary: 'Stop receiving patient.vitals for a patient.',
    roles: DISPATCH_ROLES,
    input: z.object({ patient_id: z.string().min(1).max(128) }),
    output: z.object({ watching: z.array(z.string()) })
  })
};

export const hubEvents = {
  'hub.stats': event({ summary: 'Hub counters, every two seconds.', roles: OPERATOR_ROLES, payload: HubStatsSchema }),
  'hub.presence': event({ summary: 'A field client connected, disconnected, joined or left a room.', roles: DISPATCH_ROLES, payload: HubPresenceSchema }),
  'hub.unitLocation': event({ summary: 'A crew reported its position (update_location).', roles: DISPATCH_ROLES, payload: UnitLocationSchema }),
  'hospitals.updated': event({ summary: 'A hospital changed (accepting flag, location...).', roles: OPERATOR_ROLES, payload: HospitalSchema }),
  'requests.updated': event({ summary: 'An ambulance request was created, offered, accepted or failed.', roles: DISPATCH_ROLES, payload: AmbulanceRequestRecordSchema }),
  'patient.vitals': event({ summary: 'Vitals of a watched patient.', roles: DISPATCH_ROLES, payload: PatientVitalsSchema })
};
