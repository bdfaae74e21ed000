import { z } from 'zod';
import { IncidentSchema, UnitSchema } from '../cad';
import { DISPATCH_ROLES, SUPERVISOR_ROLES } from '../roles';
import { event, method } from './define';
import { StatusThresholdsSchema } from './statusThresholds';
import { RunCardsSchema, RunCardTableSchema } from './runCards';


export const DispatchSnapshotSchema = z.object({
  units: z.array(UnitSchema),
  incidents: z.array(IncidentSchema),
  metrics: z.record(z.string(), z.number()),
  /** Where the picture stands in the CAD's event stream; null before the first sync. */
  cad: z.object({ epoch: z.string(), seq: z.number().int() }).nullable(),
  /** When the picture last matched a CAD snapshot; null before the first sync. */
  synced_at: z.string().nullable()
});
export type DispatchSnapshot = z.infer<typeof DispatchSnapshotSchema>;

/** The answer to every outbound action: it is queued durably, not yet delivered. */
export const OutboxReceiptSchema = z.object({
  outbox_id: z.number().int(),
  idempotency_key: z.string(),
  event: z.string(),
  status: z.enum(['pending', 'delivered', 'rejected', 'held', 'discarded']),
  /** True when this idempotency key was already queued: nothing new was queued. */
  duplicate: z.boolean()
});
export type OutboxReceipt = z.infer<typeof OutboxReceiptSchema>;

/** One line of an incident's activity log. */
export const IncidentActivitySchema = z.object({
  at: z.string(),
  kind: z.enum(['created', 'assigned', 'status', 'time', 'note', 'transport']),
  text: z.string(),
  unit_id: z.string().nullable(),
  by: z.string().nullable()
});
export type IncidentActivity = z.infer<typeof IncidentActivitySchema>;

export const IdempotencyKeySchema = z.string().min(8).max(128).optional();

export const UnitSuggestionSchema = z.object({
  unit: UnitSchema,
  distance_km: z.number().nonnegative(),
  /** How the unit's type fits the incident type's run card. */
  run_card: z.enum(['preferred', 'acceptable', 'not_on_card'])
});
export type UnitSuggestion = z.infer<typeof UnitSuggestionSchema>;

export const dispatchMethods = {
  'dispatch.snapshot': method({
    summary: 'The whole dispatch picture: units, incidents and the latest CAD metrics.',
    roles: DISPATCH_ROLES,
    input: z.object({}).strict(),
    output: DispatchSnapshotSchema
  }),
  'dispatch.assign': method({
    summary: 'Assign a unit to an incident; queued for the CAD, the unit changes when the CAD confirms.',
    roles: DISPATCH_ROLES,
    input: z.object({
      unit_id: z.string().min(1).max(128),
      incident_id: z.string().min(1).max(128),
      idempotency_key: IdempotencyKeySchema
    }),
    output: OutboxReceiptSchema
  }),
  'dispatch.createIncident': method({
    summary: 'Take a call at the console: the CAD creates the incident (queued in the outbox; it appears when the CAD announces it).',
    roles: DISPATCH_ROLES,
    input: z.object({
      type: z.string().trim().min(1).max(128),
      priority: z.number().int().min(1).max(9),
      address: z.string().trim().min(1).max(512),
      location: z.object({ lat: z.number().min(-90).max(90), lon: z.number().min(-180).max(180) }).optional(),
      idempotency_key: IdempotencyKeySchema
    }),
    output: OutboxReceiptSchema
  }),
  'dispatch.addNote': method({
    summary: 'Add a call note to an incident, signed with the operator (queued for the CAD).',
    roles: DISPATCH_ROLES,
    input: z.object({ incident_id: z.string().min(1).max(128), text: z.string().trim().min(1).max(2000), idempotency_key: IdempotencyKeySchema }),
    output: OutboxReceiptSchema
  }),
  'dispatch.incidentActivity': method({
    summary: "An incident's activity log: creation, assignments, status changes, incident times and notes, oldest first.",
    roles: DISPATCH_ROLES,
    input: z.object({ incident_id: z.string().min(1).max(128) }).strict(),
    output: z.array(IncidentActivitySchema)
  }),
  'dispatch.thresholds': method({
    summary: "The centre's time-in-status thresholds (per incident priority and status, and per unit status).",
    roles: DISPATCH_ROLES,
    input: z.object({}).strict(),
    output: StatusThresholdsSchema
  }),
  'dispatch.setThresholds': method({
    summary: "Set the centre's time-in-status thresholds for every console (supervisors; logged).",
    roles: SUPERVISOR_ROLES,
    input: StatusThresholdsSchema.pick({ incident: true, unit: true }).strict(),
    output: StatusThresholdsSchema
  }),
  'dispatch.runCards': method({
    summary: "The centre's run cards: which unit types to propose per incident type (and priority), best first.",
    roles: DISPATCH_ROLES,
    input: z.object({}).strict(),
    output: RunCardsSchema
  }),
  'dispatch.setRunCards': method({
    summary: "Set the centre's run cards for every console; suggestions use them at once (supervisors; logged).",
    roles: SUPERVISOR_ROLES,
    input: RunCardTableSchema,
    output: RunCardsSchema
  }),
  'dispatch.suggestUnits': method({
    summary: "Available units for an incident: the unit types its run card calls for first, then nearest (straight-line distance).",
    roles: DISPATCH_ROLES,
    input: z.object({ incident_id: z.string().min(1).max(128), limit: z.number().int().min(1).max(50).default(5) }),
    output: z.array(UnitSuggestionSchema)
  })
};

export const dispatchEvents = {
  'dispatch.unitUpdated': event({
    summary: 'Units that changed (batched per event-loop turn); `removed` lists units the CAD no longer has.',
    roles: DISPATCH_ROLES,
    payload: z.object({ units: z.array(UnitSchema), removed: z.array(z.string()) })
  }),
  'dispatch.incidentUpdated': event({
    summary: 'Incidents that changed (batched per event-loop turn); `removed` lists incidents the CAD no longer has.',
    roles: DISPATCH_ROLES,
    payload: z.object({ incidents: z.array(IncidentSchema), removed: z.array(z.string()) })
  }),
  'dispatch.thresholdsUpdated': event({
    summary: "A supervisor changed the centre's time-in-status thresholds.",
    roles: DISPATCH_ROLES,
    payload: StatusThresholdsSchema
  }),
  'dispatch.runCardsUpdated': event({
    summary: "A supervisor changed the centre's run cards.",
    roles: DISPATCH_ROLES,
    payload: RunCardsSchema
  }),
  'dispatch.metricsUpdated': event({
    summary: 'The CAD published new dashboard metrics.',
    roles: DISPATCH_ROLES,
    payload: z.object({ metrics: z.record(z.string(), z.number()), at: z.string() })
  })
};
