import { api } from '../../lib/api';
import { useAlerts } from '../../stores/alertsStore';
import { useDispatch } from '../../stores/dispatchStore';
import type { Command } from './commands';

export interface CommandOutcome {
  ok: boolean;
  message: string;
}

const queued = (what: string) => `${what}: sent to the CAD, waiting for its confirmation.`;

/** Carries out a parsed command through the same stores and contract calls as the buttons. */
export async function runCommand(command: Command): Promise<CommandOutcome> {
  const dispatch = useDispatch.getState();
  switch (command.verb) {
    case 'assign': {
      dispatch.select({ kind: 'incident', id: command.incident.id }, { center: true });
      const error = await dispatch.assign(command.incident.id, command.unit.id);
      return error ? { ok: false, message: error } : { ok: true, message: queued(`${command.unit.callsign} to ${command.incident.id}`) };
    }
    case 'status': {
      const result = await api.call('bridge.updateUnitStatus', { unit_id: command.unit.id, status: command.status, incident_id: command.unit.incidentId });
      return result.ok ? { ok: true, message: queued(`${command.unit.callsign} ${command.status.replace(/_/g, ' ')}`) } : { ok: false, message: result.error.message };
    }
    case 'ack': {
      const error = await useAlerts.getState().acknowledge(command.alert.id);
      return error ? { ok: false, message: error } : { ok: true, message: `Acknowledged: ${command.alert.title}` };
    }
    case 'find':
      dispatch.select(command.target, { center: true });
      return { ok: true, message: `Showing ${command.target.kind} ${command.target.id}.` };
    case 'close':
    case 'cancel': {
      const status = command.verb === 'close' ? 'closed' : 'cancelled';
      const result = await api.call('bridge.updateIncidentStatus', { incident_id: command.incident.id, status });
      return result.ok ? { ok: true, message: queued(`${command.incident.id} ${status}`) } : { ok: false, message: result.error.message };
    }
    case 'new': {
      const result = await api.call('dispatch.createIncident', { priority: command.priority, type: command.type, address: command.address });
      return result.ok ? { ok: true, message: queued(`New P${command.priority} ${command.type} at ${command.address}`) } : { ok: false, message: result.error.message };
    }
    case 'note': {
      const result = await api.call('dispatch.addNote', { incident_id: command.incident.id, text: command.text });
      return result.ok ? { ok: true, message: queued(`Note on ${command.incident.id}`) } : { ok: false, message: result.error.message };
    }
  }
}
