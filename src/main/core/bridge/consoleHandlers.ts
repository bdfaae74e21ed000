import type { CadOutboundEvent } from '../../../shared/cad';
import type { MethodName } from '../../../shared/contract';
import type { CoreContext } from '../coreContext';
import type { CallContext } from '../contract/registry';
import { AppError } from '../errors';
import type { DispatchState } from '../dispatch/dispatchState';
import type { BridgeService } from './bridgeService';

/** Console method -> outbound CAD event: the same actions as the REST endpoints. */
export const CONSOLE_ACTIONS = {
  'bridge.sendAssignment': 'assignment:send',
  'bridge.updateUnitLocation': 'unit:location:update',
  'bridge.updateUnitStatus': 'unit:status:update',
  'bridge.updateIncidentStatus': 'incident:status:update',
  'bridge.recordIncidentTimestamp': 'incident:timestamp:record',
  'bridge.notifyTransportCompleted': 'transport:completed:notify',
  'bridge.broadcastMetrics': 'metrics:broadcast'
} as const satisfies Partial<Record<MethodName, CadOutboundEvent>>;

const requester = (call: CallContext) => (call.operator ? `operator:${call.operator.username}` : null);

export function registerBridgeHandlers(ctx: CoreContext, { bridge, dispatch }: { bridge: BridgeService; dispatch: DispatchState }): void {
  ctx.api.handle('bridge.health', () => bridge.health());
  ctx.api.handle('bridge.reconnect', () => bridge.reconnect());
  ctx.api.handle('bridge.configure', (input) => bridge.configure(input));
  ctx.api.handle('bridge.heldMessages', () => bridge.held.list());
  ctx.api.handle('bridge.confirmHeld', ({ outbox_id }, call) => bridge.held.confirm(outbox_id, requester(call) ?? 'unknown'));
  ctx.api.handle('bridge.discardHeld', ({ outbox_id }, call) => bridge.held.discard(outbox_id, requester(call) ?? 'unknown'));

  for (const [name, event] of Object.entries(CONSOLE_ACTIONS) as Array<[keyof typeof CONSOLE_ACTIONS, CadOutboundEvent]>) {
    ctx.api.handle(name, ((input: { idempotency_key?: string } & Record<string, unknown>, call: CallContext) => {
      const { idempotency_key, ...body } = input;
      return bridge.send(event, body as never, { idempotencyKey: idempotency_key, requestedBy: requester(call) });
    }) as never);
  }

  ctx.api.handle('dispatch.createIncident', ({ idempotency_key, ...call }, callCtx) =>
    bridge.send('incident:create', { ...call, created_by: callCtx.operator?.username ?? null }, { idempotencyKey: idempotency_key, requestedBy: requester(callCtx) })
  );
  ctx.api.handle('dispatch.addNote', ({ incident_id, text, idempotency_key }, callCtx) => {
    if (!dispatch.peekIncident(incident_id)) throw new AppError('NOT_FOUND', `No incident ${incident_id} in the dispatch picture; check the id or wait for the CAD to announce it.`);
    return bridge.send('incident:note:add', { incident_id, text, author: callCtx.operator?.username ?? null }, { idempotencyKey: idempotency_key, requestedBy: requester(callCtx) });
  });

  ctx.api.handle('dispatch.assign', ({ unit_id, incident_id, idempotency_key }, call) => {
    // Send what the console knows of the incident so a CAD that lost it can still act.
    const incident = dispatch.incident(incident_id);
    return bridge.send(
      'assignment:send',
      {
        unit_id,
        incident_id,
        incident_type: incident?.type,
        address: incident?.address,
        priority: incident?.priority,
        location: incident?.location ?? undefined
      },
      { idempotencyKey: idempotency_key, requestedBy: requester(call) }
    );
  });
}
