import { z } from 'zod';

/**
 * The CAD wire protocol: what the CAD backend (or `switchboard cad-sim`) and
 * Switchboard's bridge say to each other over Socket.IO. docs/cad-protocol.md
 * explains it for a vendor; this file is the source of truth both sides parse with.
 */

const Id = z.string().min(1).max(128);
const Timestamp = z.iso.datetime({ offset: true });

export const LocationSchema = z.object({
  lat: z.number().min(-90).max(90),
  lon: z.number().min(-180).max(180)
});
export type Location = z.infer<typeof LocationSchema>;

export const UNIT_STATUSES = [
  'available',
  'dispatched',
  'en_route',
  'on_scene',
  'transporting',
  'at_destination',
  'out_of_service'
] as const;
export const UnitStatusSchema = z.enum(UNIT_STATUSES);
export type UnitStatus = z.infer<typeof UnitStatusSchema>;

export const INCIDENT_STATUSES = [
  'pending',
  'dispatched',
  'en_route',
  'on_scene',
  'transporting',
  'at_destination',
  'closed',
  'cancelled'
] as const;
export const IncidentStatusSchema = z.enum(INCIDENT_STATUSES);
export type IncidentStatus = z.infer<typeof IncidentStatusSchema>;
export const isOpenIncidentStatus = (status: IncidentStatus) => status !== 'closed' && status !== 'cancelled';

/**
 * A unit assigned to another call while on an open one has been reassigned
 * (diverted): it leaves that call's crews, in the CAD's record and in every
 * picture of it. A closed call keeps its crews: that is its history. Returns
 * whether the unit left `previous`.
 */
export function divertFrom(previous: Incident | undefined, unitId: string, at: string): previous is Incident {
  if (!previous || !isOpenIncidentStatus(previous.status) || !previous.assigned_units.includes(unitId)) return false;
  previous.assigned_units = previous.assigned_units.filter((id) => id !== unitId);
  previous.updated_at = at;
  return true;
}

/** Incident times, named after NEMSIS v3 eTimes (eTimes.03 ... eTimes.13). */
export const INCIDENT_TIMESTAMPS = [
  'call_received',
  'dispatched',
  'unit_notified',
  'en_route',
  'on_scene',
  'at_patient',
  'left_scene',
  'at_destination',
  'transfer_of_care',
  'back_in_service'
] as const;
export const IncidentTimestampNameSchema = z.enum(INCIDENT_TIMESTAMPS);
export type IncidentTimestampName = z.infer<typeof IncidentTimestampNameSchema>;

export const IncidentTimestampsSchema = z.partialRecord(IncidentTimestampNameSchema, Timestamp);

export const UnitSchema = z.object({
  id: Id,
  call_sign: z.string().min(1).max(64),
  /**
   * The unit's capability class (e.g. ALS, BLS, supervisor), which run cards
   * match against the incident type. Optional: a CAD that does not send it gets
   * suggestions by distance alone.
   */
  unit_type: z.string().min(1).max(32).nullable().default(null),
  status: UnitStatusSchema,
  location: LocationSchema.nullable(),
  /** Degrees clockwise from north. */
  heading: z.number().min(0).max(360).nullable(),
  /** km/h. */
  speed: z.number().min(0).max(400).nullable(),
  incident_id: Id.nullable(),
  last_report: Timestamp.nullable()
});
export type Unit = z.infer<typeof UnitSchema>;

/** A call note: free text a dispatcher (or the CAD) added to an incident. */
export const IncidentNoteSchema = z.object({
  id: Id,
  text: z.string().min(1).max(2000),
  author: z.string().max(128).nullable(),
  at: Timestamp
});
export type IncidentNote = z.infer<typeof IncidentNoteSchema>;

export const IncidentSchema = z.object({
  id: Id,
  type: z.string().min(1).max(128),
  /** 1 is the most urgent. */
  priority: z.number().int().min(1).max(9),
  address: z.string().max(512),
  location: LocationSchema.nullable(),
  status: IncidentStatusSchema,
  /** Units ever assigned to the incident, in assignment order. */
  assigned_units: z.array(Id).max(64),
  timestamps: IncidentTimestampsSchema,
  /** Where the patient was taken, once transport completes. */
  destination: z.string().max(256).nullable(),
  /** Call notes, oldest first. Optional on the wire: a CAD without notes sends none. */
  notes: z.array(IncidentNoteSchema).max(500).default([]),
  updated_at: Timestamp
});
export type Incident = z.infer<typeof IncidentSchema>;

// ---------------------------------------------------------------------------
// Inbound: CAD -> bridge. Every event carries the CAD's epoch (changes when the
// CAD loses its event history, e.g. a restart without persistence) and a
// sequence number that grows by exactly one per event within an epoch.
// ---------------------------------------------------------------------------

const Sequenced = { epoch: z.string().min(1).max(64), seq: z.number().int().nonnegative() };

export const cadInboundSchemas = {
  'unit:location:updated': z.object({
    ...Sequenced,
    unit_id: Id,
    location: LocationSchema,
    heading: z.number().min(0).max(360).nullable(),
    speed: z.number().min(0).max(400).nullable(),
    at: Timestamp
  }),
  'unit:status:updated': z.object({
    ...Sequenced,
    unit_id: Id,
    status: UnitStatusSchema,
    incident_id: Id.nullable(),
    at: Timestamp
  }),
  'incident:status:updated': z.object({ ...Sequenced, incident_id: Id, status: IncidentStatusSchema, at: Timestamp }),
  'incident:timestamp:updated': z.object({
    ...Sequenced,
    incident_id: Id,
    name: IncidentTimestampNameSchema,
    unit_id: Id.nullable(),
    at: Timestamp
  }),
  'incident:new': z.object({ ...Sequenced, incident: IncidentSchema, at: Timestamp }),
  'incident:note:added': z.object({ ...Sequenced, incident_id: Id, note: IncidentNoteSchema, at: Timestamp }),
  'assignment:received': z.object({ ...Sequenced, unit_id: Id, incident_id: Id, at: Timestamp }),
  'transport:completed': z.object({
    ...Sequenced,
    incident_id: Id,
    unit_id: Id,
    destination: z.string().max(256).nullable(),
    epcr_id: z.string().max(128).nullable(),
    at: Timestamp
  }),
  'metrics:updated': z.object({ ...Sequenced, metrics: z.record(z.string().max(64), z.number()), at: Timestamp })
} as const;

export type CadInboundEvent = keyof typeof cadInboundSchemas;
export type CadInboundPayload<E extends CadInboundEvent> = z.infer<(typeof cadInboundSchemas)[E]>;
export const CAD_INBOUND_EVENTS = Object.keys(cadInboundSchemas) as CadInboundEvent[];

/** Bridge -> CAD request for the whole picture; answered through the ack. */
export const CAD_SNAPSHOT_EVENT = 'cad:snapshot';
export const CadSnapshotSchema = z.object({
  epoch: z.string().min(1).max(64),
  /** The sequence number of the last event the snapshot includes. */
  seq: z.number().int().nonnegative(),
  units: z.array(UnitSchema),
  incidents: z.array(IncidentSchema),
  at: Timestamp
});
export type CadSnapshot = z.infer<typeof CadSnapshotSchema>;

/** The Socket.IO room the CAD puts an authenticated bridge in (seed: 'fastapi-bridge'). */
export const CAD_BRIDGE_ROOM = 'fastapi-bridge';
/** `connect_error` data the CAD sends when the token is wrong; the bridge then backs off hard. */
export const CAD_AUTH_FAILED = 'CAD_AUTH_FAILED';

// ---------------------------------------------------------------------------
// Outbound: bridge -> CAD, each emitted with an ack. Every payload carries an
// idempotency key; a CAD that honours it answers a repeat with the first
// answer and does not apply it again.
// ---------------------------------------------------------------------------

const Keyed = { idempotency_key: z.string().min(8).max(128) };

export const outboundBodySchemas = {
  'assignment:send': z.object({
    unit_id: Id,
    incident_id: Id,
    incident_type: z.string().min(1).max(128).optional(),
    address: z.string().max(512).optional(),
    priority: z.number().int().min(1).max(9).optional(),
    location: LocationSchema.optional()
  }),
  'unit:location:update': z.object({
    unit_id: Id,
    location: LocationSchema,
    heading: z.number().min(0).max(360).nullable().default(null),
    speed: z.number().min(0).max(400).nullable().default(null)
  }),
  'unit:status:update': z.object({ unit_id: Id, status: UnitStatusSchema, incident_id: Id.nullable().default(null) }),
  'incident:status:update': z.object({ incident_id: Id, status: IncidentStatusSchema }),
  /** A call taken at the console: the CAD creates the incident (its id, its geocoding) and announces it with incident:new. */
  'incident:create': z.object({
    type: z.string().min(1).max(128),
    priority: z.number().int().min(1).max(9),
    address: z.string().min(1).max(512),
    location: LocationSchema.optional(),
    /** Who took the call, for the CAD's own record. */
    created_by: z.string().max(128).nullable().default(null)
  }),
  'incident:note:add': z.object({ incident_id: Id, text: z.string().min(1).max(2000), author: z.string().max(128).nullable().default(null) }),
  'incident:timestamp:record': z.object({
    incident_id: Id,
    name: IncidentTimestampNameSchema,
    at: Timestamp.optional(),
    unit_id: Id.nullable().default(null)
  }),
  'transport:completed:notify': z.object({
    incident_id: Id,
    unit_id: Id,
    epcr_id: z.string().max(128).nullable().default(null),
    destination: z.string().max(256).nullable().default(null),
    billing_data: z.record(z.string().max(64), z.unknown()).optional()
  }),
  'metrics:broadcast': z.object({ metrics: z.record(z.string().max(64), z.number()) })
} as const;

export type CadOutboundEvent = keyof typeof outboundBodySchemas;
export type CadOutboundBody<E extends CadOutboundEvent> = z.output<(typeof outboundBodySchemas)[E]>;
export type CadOutboundBodyInput<E extends CadOutboundEvent> = z.input<(typeof outboundBodySchemas)[E]>;
export const CAD_OUTBOUND_EVENTS = Object.keys(outboundBodySchemas) as CadOutboundEvent[];

/**
 * What goes on the wire: the body plus its idempotency key, when it was queued
 * and, for messages that name units or incidents, the CAD epoch those ids
 * belong to (a CAD answers EPOCH_MISMATCH when it is not its current epoch).
 */
export const outboundWireSchema = <E extends CadOutboundEvent>(event: E) =>
  (outboundBodySchemas[event] as z.ZodObject).extend({ ...Keyed, queued_at: Timestamp, cad_epoch: z.string().min(1).max(64).optional() });

export const CadAckSchema = z.union([
  z.object({ ok: z.literal(true), duplicate: z.boolean().default(false) }),
  z.object({ ok: z.literal(false), error: z.object({ code: z.string().max(64), message: z.string().max(1024) }) })
]);
export type CadAck = z.infer<typeof CadAckSchema>;
