import { z } from 'zod';
import { outboundBodySchemas } from '../cad';
import { DISPATCH_ROLES } from '../roles';
import { event, method } from './define';
import { IdempotencyKeySchema, OutboxReceiptSchema } from './dispatch';


/** The seed's health shape, plus outbox depth, sync state and last event time. */
export const BridgeHealthSchema = z.object({
  status: z.enum(['healthy', 'degraded', 'disconnected']),
  bridge: z.object({
    connected: z.boolean(),
    cad_url: z.string().nullable(),
    last_connection: z.string().nullable(),
    connection_attempts: z.number().int().nonnegative(),
    last_error: z.string().nullable(),
    event_handlers_registered: z.number().int().nonnegative(),
    uptime_seconds: z.number().nonnegative(),
    /** True while the bridge is re-reading the CAD's picture after a reconnect or a gap. */
    resyncing: z.boolean(),
    last_event_at: z.string().nullable(),
    next_retry_at: z.string().nullable(),
    outbox: z.object({
      pending: z.number().int().nonnegative(),
      rejected: z.number().int().nonnegative(),
      /** Messages whose CAD epoch is gone, waiting for a dispatcher to re-confirm or discard them. */
      held: z.number().int().nonnegative().default(0),
      oldest_pending_at: z.string().nullable()
    })
  }),
  /** Cluster mode: which node answered, which node holds the CAD link (null while none does) and its lease epoch. */
  cluster: z.object({ node: z.string(), link_holder: z.string().nullable(), lease_epoch: z.number().int().nullable() }).optional(),
  timestamp: z.string()
});
export type BridgeHealth = z.infer<typeof BridgeHealthSchema>;

/** An outbound message held because the CAD restarted into a new epoch after it was made. */
export const HeldMessageSchema = z.object({
  outbox_id: z.number().int(),
  event: z.string(),
  /** The message as made (unit, incident, details the console knew then). */
  body: z.record(z.string(), z.unknown()),
  /** The CAD epoch its ids belong to. */
  made_in_epoch: z.string().nullable(),
  reason: z.string().nullable(),
  requested_by: z.string().nullable(),
  created_at: z.string()
});
export type HeldMessage = z.infer<typeof HeldMessageSchema>;

const HeldIdSchema = z.object({ outbox_id: z.number().int().positive() }).strict();

const withKey = <S extends z.ZodObject>(schema: S) => schema.extend({ idempotency_key: IdempotencyKeySchema });

export const bridgeMethods = {
  'bridge.health': method({
    summary: 'CAD link health (the same body as GET /api/socket-bridge/health).',
    roles: 'any',
    input: z.object({}).strict(),
    output: BridgeHealthSchema
  }),
  'bridge.reconnect': method({
    summary: 'Drop the CAD link and connect again now, resetting the backoff.',
    roles: ['admin'],
    input: z.object({}).strict(),
    output: BridgeHealthSchema
  }),
  'bridge.configure': method({
    summary: 'Point the bridge at a CAD (url, and the token, which is write-only) and reconnect.',
    roles: ['admin'],
    input: z.object({ url: z.url().max(2048), token: z.string().min(1).max(4096).optional() }).strict(),
    output: BridgeHealthSchema
  }),
  'bridge.heldMessages': method({
    summary: 'Outbound messages held after a CAD epoch change, oldest first: each needs a re-confirm or a discard.',
    roles: DISPATCH_ROLES,
    input: z.object({}).strict(),
    output: z.array(HeldMessageSchema)
  }),
  'bridge.confirmHeld': method({
    summary: "Re-confirm a held message: it is bound to the CAD's current epoch and delivered.",
    roles: DISPATCH_ROLES,
    input: HeldIdSchema,
    output: z.object({ outbox_id: z.number().int(), status: z.literal('pending'), epoch: z.string() })
  }),
  'bridge.discardHeld': method({
    summary: 'Discard a held message: it is never delivered.',
    roles: DISPATCH_ROLES,
    input: HeldIdSchema,
    output: z.object({ outbox_id: z.number().int(), status: z.literal('discarded') })
  }),
  'bridge.sendAssignment': method({
    summary: 'Send an assignment (unit + incident details) to the CAD.',
    roles: DISPATCH_ROLES,
    input: withKey(outboundBodySchemas['assignment:send']),
    output: OutboxReceiptSchema
  }),
  'bridge.updateUnitLocation': method({
    summary: "Report a unit's position to the CAD.",
    roles: DISPATCH_ROLES,
    input: withKey(outboundBodySchemas['unit:location:update']),
    output: OutboxReceiptSchema
  }),
  'bridge.updateUnitStatus': method({
    summary: "Change a unit's status in the CAD.",
    roles: DISPATCH_ROLES,
    input: withKey(outboundBodySchemas['unit:status:update']),
    output: OutboxReceiptSchema
  }),
  'bridge.updateIncidentStatus': method({
    summary: "Change an incident's status in the CAD.",
    roles: DISPATCH_ROLES,
    input: withKey(outboundBodySchemas['incident:status:update']),
    output: OutboxReceiptSchema
  }),
  'bridge.recordIncidentTimestamp': method({
    summary: 'Record a NEMSIS-style incident time in the CAD.',
    roles: DISPATCH_ROLES,
    input: withKey(outboundBodySchemas['incident:timestamp:record']),
    output: OutboxReceiptSchema
  }),
  'bridge.notifyTransportCompleted': method({
    summary: 'Tell the CAD (and its billing) that a transport is complete.',
    roles: DISPATCH_ROLES,
    input: withKey(outboundBodySchemas['transport:completed:notify']),
    output: OutboxReceiptSchema
  }),
  'bridge.broadcastMetrics': method({
    summary: 'Broadcast dashboard metrics through the CAD.',
    roles: ['admin'],
    input: withKey(outboundBodySchemas['metrics:broadcast']),
    output: OutboxReceiptSchema
  })
};

export const bridgeEvents = {
  'bridge.health': event({
    summary: 'The CAD link health changed (connection, sync, error or outbox depth).',
    roles: 'any',
    payload: BridgeHealthSchema
  })
};
