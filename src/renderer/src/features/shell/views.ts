import type { OperatorRole } from '../../../../shared/roles';

export type ViewId = 'map' | 'board' | 'alerts' | 'patients' | 'statistics' | 'health' | 'audit' | 'report';

export interface ViewSpec {
  id: ViewId;
  title: string;
  roles: readonly OperatorRole[];
}

/** Roles shape the console: an auditor sees only audit views; admin actions are marked inside views. */
export const VIEWS: ViewSpec[] = [
  { id: 'map', title: 'Map', roles: ['dispatcher', 'supervisor', 'admin'] },
  { id: 'board', title: 'Incidents & units', roles: ['dispatcher', 'supervisor', 'admin'] },
  { id: 'alerts', title: 'Alerts', roles: ['dispatcher', 'supervisor', 'admin'] },
  { id: 'patients', title: 'Patients', roles: ['dispatcher', 'supervisor', 'admin'] },
  { id: 'statistics', title: 'Statistics', roles: ['supervisor', 'admin', 'dispatcher'] },
  { id: 'health', title: 'Connections', roles: ['dispatcher', 'supervisor', 'admin'] },
  { id: 'audit', title: 'Audit', roles: ['supervisor', 'admin', 'auditor'] },
  { id: 'report', title: 'Report', roles: ['supervisor', 'admin', 'auditor'] }
];

export const viewsFor = (role: OperatorRole) => VIEWS.filter((v) => v.roles.includes(role));

export const isAdmin = (role: OperatorRole | undefined) => role === 'admin';
export const canDispatch = (role: OperatorRole | undefined) => role === 'dispatcher' || role === 'supervisor' || role === 'admin';
