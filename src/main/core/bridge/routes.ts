import { z } from 'zod';
import { outboundBodySchemas, type CadOutboundEvent } from '../../../shared/cad';
import { BridgeHealthSchema } from '../../../shared/contract/bridge';
import { DispatchSnapshotSchema, IdempotencyKeySchema, OutboxReceiptSchema } from '../../../shared/contract/dispatch';
import { CREW_ACTION_ROLES, DISPATCH_ROLES, OPERATOR_ROLES, type Identity, type Role } from '../../../shared/roles';
import type { CoreContext } from '../coreContext';
import { AppError } from '../errors';
import type { DispatchAssignments } from '../dispatch/types';
import type { DispatchState } from '../dispatch/dispatchState';
import type { BridgeService } from './bridgeService';

/**
 * The seed's REST table. Roles are the seed's, with the console's senior roles
 * allowed wherever a dispatcher is; a crew token is limited to its own unit.
 */
const ADMIN: readonly Role[] = ['admin'];

const ACTION_ROUTES: Array<{ url: string; event: CadOutboundEvent; auth: readonly Role[]; summary: string }> = [
  { url: '/assignments/send', event: 'assignment:send', auth: DISPATCH_ROLES, summary: 'Send an assignment to the CAD' },
  { url: '/units/location', event: 'unit:location:update', auth: CREW_ACTION_ROLES, summary: "Report a unit's GPS position" },
  { url: '/units/status', event: 'unit:status:update', auth: CREW_ACTION_ROLES, summary: "Update a unit's status" },
  { url: '/incidents/status', event: 'incident:status:update', auth: DISPATCH_ROLES, summary: "Update an incident's status" },
  { url: '/incidents/timestamp', event: 'incident:timestamp:record', auth: CREW_ACTION_ROLES, summary: 'Record an incident time (NEMSIS eTimes)' },
  { url: '/transport/completed', event: 'transport:completed:notify', auth: CREW_ACTION_ROLES, summary: 'Notify billing that a transport is complete' },
  { url: '/metrics/broadcast', event: 'metrics:broadcast', auth: ADMIN, summary: 'Broadcast dashboard metrics' }
];

const ErrorBody = z.object({ error: z.object({ code: z.string(), message: z.string() }) });

/** A crew device may only speak for its own unit (and, for incidents, one it is assigned to). */
function checkCrewScope(dispatch: DispatchAssignments, identity: Identity | null, body: Record<string, unknown>): void {
  if (identity?.role !== 'crew') return;
  if (!identity.unit_id) throw new AppError('FORBIDDEN', 'This crew token names no unit.');
  const unitId = body.unit_id;
  if (unitId !== undefined && unitId !== identity.unit_id) {
    throw new AppError('FORBIDDEN', `A crew token for ${identity.unit_id} may not act for unit ${String(unitId)}.`);
  }
  const incidentId = body.incident_id;
  if (unitId === undefined && typeof incidentId === 'string') {
    if (!dispatch.incidentsAssignedTo(identity.unit_id).includes(incidentId)) {
      throw new AppError('FORBIDDEN', `Unit ${identity.unit_id} is not assigned to incident ${incidentId}.`);
    }
  }
}

export function registerBridgeRoutes(ctx: CoreContext, { bridge, dispatch }: { bridge: BridgeService; dispatch: DispatchAssignments & Pick<DispatchState, 'snapshot'> }): void {
  const { router } = ctx.http;
  router.route({
    method: 'GET',
    url: '/api/socket-bridge/picture',
    summary: "The dispatch picture this node holds (units, incidents, the CAD position it is in sync with): in cluster mode every node's should equal the CAD link holder's",
    tags: ['bridge'],
    auth: OPERATOR_ROLES,
    response: DispatchSnapshotSchema,
    handler: () => dispatch.snapshot()
  });
  router.route({
    method: 'GET',
    url: '/api/socket-bridge/health',
    summary: 'CAD bridge health (503 while disconnected); the CAD host and last error only to signed-in operators',
    tags: ['bridge'],
    auth: 'public',
    response: BridgeHealthSchema.or(z.object({ status: BridgeHealthSchema.shape.status })),
    errors: [503],
    handler: ({ reply, identity }) => {
      const health = bridge.health();
      if (health.status === 'disconnected') reply.status(503);
      // A load balancer's probe needs the status; where the CAD is and why it failed is for operators.
      return identity && OPERATOR_ROLES.includes(identity.role as never) ? health : { status: health.status };
    }
  });
  router.route({
    method: 'POST',
    url: '/api/socket-bridge/reconnect',
    summary: 'Reconnect to the CAD now',
    tags: ['bridge'],
    auth: ADMIN,
    response: BridgeHealthSchema,
    handler: () => bridge.reconnect()
  });
  for (const action of ACTION_ROUTES) {
    const body = (outboundBodySchemas[action.event] as z.ZodObject).extend({ idempotency_key: IdempotencyKeySchema });
    router.route({
      method: 'POST',
      url: `/api/socket-bridge${action.url}`,
      summary: `${action.summary} (queued durably; 202 with the outbox receipt)`,
      tags: ['bridge'],
      auth: action.auth,
      body,
      response: OutboxReceiptSchema.or(ErrorBody),
      errors: [400, 401, 403, 409],
      handler: async ({ body: input, identity, reply }) => {
        const { idempotency_key, ...rest } = input as Record<string, unknown> & { idempotency_key?: string };
        checkCrewScope(dispatch, identity, rest);
        const receipt = await bridge.send(action.event, rest as never, {
          idempotencyKey: idempotency_key,
          requestedBy: identity ? `${identity.role}:${identity.sub}` : null
        });
        reply.status(202);
        return receipt;
      }
    });
  }
}
