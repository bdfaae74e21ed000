import { outboundWireSchema, type CadAck, type CadOutboundEvent, type CadOutboundBody } from '../../shared/cad';
import type { SimState } from './simState';
import type { World } from './world';
import { parseUntrusted } from '../../shared/parseUntrusted';

const fail = (code: string, message: string): CadAck => ({ ok: false, error: { code, message } });

/**
 * How the simulated CAD applies what the bridge sends. Each message is checked
 * against the wire schema, then its idempotency key: a repeat gets the first
 * answer again (flagged `duplicate`) and changes nothing.
 */
export function createOutboundHandler(state: SimState, world: World) {
  const apply: { [E in CadOutboundEvent]: (body: CadOutboundBody<E>) => CadAck } = {
    'assignment:send': (b) => {
      const unit = state.units.get(b.unit_id);
      if (!unit) return fail('NOT_FOUND', `No unit ${b.unit_id}.`);
      let incident = state.incidents.get(b.incident_id);
      if (!incident) {
        if (!b.incident_type) return fail('NOT_FOUND', `No incident ${b.incident_id} and no details to create it.`);
        incident = world.createIncident({ id: b.incident_id, type: b.incident_type, address: b.address, priority: b.priority, location: b.location });
      }
      if (incident.status === 'closed' || incident.status === 'cancelled') return fail('CONFLICT', `Incident ${incident.id} is ${incident.status}.`);
      world.assign(unit, incident);
      return { ok: true, duplicate: false };
    },
    'unit:location:update': (b) => {
      const unit = state.units.get(b.unit_id);
      if (!unit) return fail('NOT_FOUND', `No unit ${b.unit_id}.`);
      world.moveUnit(unit, b.location, b.heading, b.speed);
      return { ok: true, duplicate: false };
    },
    'unit:status:update': (b) => {
      const unit = state.units.get(b.unit_id);
      if (!unit) return fail('NOT_FOUND', `No unit ${b.unit_id}.`);
      if (b.incident_id && !state.incidents.has(b.incident_id)) return fail('NOT_FOUND', `No incident ${b.incident_id}.`);
      // A crew's own status wins over the simulation's plan for the unit.
      state.plans.delete(unit.id);
      world.setUnitStatus(unit, b.status, b.incident_id);
      return { ok: true, duplicate: false };
    },
    'incident:status:update': (b) => {
      const incident = state.incidents.get(b.incident_id);
      if (!incident) return fail('NOT_FOUND', `No incident ${b.incident_id}.`);
      world.setIncidentStatus(incident, b.status);
      return { ok: true, duplicate: false };
    },
    'incident:create': (b) => {
      // A real CAD geocodes the address; the simulator puts the call at the given point or anywhere in the city.
      world.createIncident({ type: b.type, priority: b.priority, address: b.address, location: b.location });
      return { ok: true, duplicate: false };
    },
    'incident:note:add': (b) => {
      const incident = state.incidents.get(b.incident_id);
      if (!incident) return fail('NOT_FOUND', `No incident ${b.incident_id}.`);
      world.addNote(incident, b.text, b.author);
      return { ok: true, duplicate: false };
    },
    'incident:timestamp:record': (b) => {
      const incident = state.incidents.get(b.incident_id);
      if (!incident) return fail('NOT_FOUND', `No incident ${b.incident_id}.`);
      world.stamp(incident, b.name, b.unit_id, b.at);
      return { ok: true, duplicate: false };
    },
    'transport:completed:notify': (b) => {
      const incident = state.incidents.get(b.incident_id);
      if (!incident) return fail('NOT_FOUND', `No incident ${b.incident_id}.`);
      world.completeTransport(incident, b.unit_id, b.destination, b.epcr_id);
      return { ok: true, duplicate: false };
    },
    'metrics:broadcast': (b) => {
      world.publishMetrics(b.metrics);
      return { ok: true, duplicate: false };
    }
  };

  return (event: CadOutboundEvent, raw: unknown): CadAck => {
    const parsed = parseUntrusted(outboundWireSchema(event), raw);
    const key = (raw as { idempotency_key?: unknown } | null)?.idempotency_key;
    if (!parsed.success) return fail('VALIDATION_FAILED', parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ').slice(0, 500));
    // Ids from another epoch may name other units and calls here: refuse before anything, idempotency included.
    const epoch = (parsed.data as { cad_epoch?: string }).cad_epoch;
    if (epoch !== undefined && epoch !== state.epoch) {
      state.epochMismatches += 1;
      return fail('EPOCH_MISMATCH', `This message refers to CAD epoch ${epoch}; the CAD is at epoch ${state.epoch}.`);
    }
    const idempotencyKey = String(key);
    const previous = state.processedKeys.get(idempotencyKey);
    if (previous) {
      state.duplicates += 1;
      return previous.ok ? { ok: true, duplicate: true } : previous;
    }
    const ack = (apply[event] as (b: unknown) => CadAck)(parsed.data);
    state.processedKeys.set(idempotencyKey, ack);
    state.received.push({ event, idempotency_key: idempotencyKey, payload: parsed.data as Record<string, unknown>, ack });
    return ack;
  };
}
