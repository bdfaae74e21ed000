import { methods, type MethodName } from '../../../../shared/contract';
import { DISPATCH_ROLES, type OperatorRole } from '../../../../shared/roles';

export type ViewId = 'dispatch' | 'map' | 'board' | 'alerts' | 'patients' | 'statistics' | 'health' | 'audit' | 'report' | 'replay' | 'admin';

export interface ViewSpec {
  id: ViewId;
  title: string;
  /** The contract methods the view cannot work without: a role that may not call them all does not see the view. */
  needs: readonly MethodName[];
  /** A narrower audience than the contract allows, where a view is not part of a role's work. */
  only?: readonly OperatorRole[];
}

/**
 * Roles shape the console from the contract itself: a view shows only for a role
 * that may call what the view needs, so no operator meets a tab that can only say
 * "your role may not call this" (a dispatcher was shown Statistics that way).
 */
export const VIEWS: ViewSpec[] = [
  { id: 'dispatch', title: 'Dispatch', needs: ['dispatch.snapshot'] },
  { id: 'map', title: 'Map', needs: ['dispatch.snapshot'] },
  { id: 'board', title: 'Incidents & units', needs: ['dispatch.snapshot'] },
  { id: 'alerts', title: 'Alerts', needs: ['alerts.list'] },
  { id: 'patients', title: 'Patients', needs: ['patients.watch'] },
  { id: 'statistics', title: 'Statistics', needs: ['log.statistics', 'log.timeseries'] },
  // An auditor may read hub counters, but the connections view is an operator's tool, not part of the record.
  { id: 'health', title: 'Connections', needs: ['hub.stats', 'bridge.health'], only: DISPATCH_ROLES },
  { id: 'audit', title: 'Audit', needs: ['log.query'] },
  { id: 'report', title: 'Report', needs: ['log.statistics', 'log.query'] },
  { id: 'replay', title: 'Replay', needs: ['replay.at', 'replay.events', 'replay.timeline'] },
  { id: 'admin', title: 'Administration', needs: ['admin.operators', 'admin.revokeTokens'] }
];

/** Whether `role` may call `method` according to the contract. */
export function mayCall(role: OperatorRole | undefined, method: MethodName): boolean {
  const roles = methods[method].roles;
  if (roles === 'public') return true;
  if (!role) return false;
  return roles === 'any' || roles.includes(role);
}

export const viewsFor = (role: OperatorRole) => VIEWS.filter((v) => v.needs.every((m) => mayCall(role, m)) && (!v.only || v.only.includes(role)));

export const isAdmin = (role: OperatorRole | undefined) => role === 'admin';
export const canDispatch = (role: OperatorRole | undefined) => mayCall(role, 'dispatch.assign');
