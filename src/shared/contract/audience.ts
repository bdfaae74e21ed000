import { OPERATOR_ROLES, type OperatorRole } from '../roles';
import { events, type EventName } from './index';

/**
 * Which signed-in operator roles receive a pushed event. Both transports (the
 * `/console` Socket.IO namespace and Electron IPC) filter through this one
 * function, so a role never sees over one transport what the other hides.
 */
export function rolesForEvent(event: EventName): readonly OperatorRole[] {
  const spec = events[event];
  return spec.roles === 'any' ? OPERATOR_ROLES : spec.roles;
}

export const eventReachesRole = (event: EventName, role: OperatorRole): boolean => rolesForEvent(event).includes(role);
