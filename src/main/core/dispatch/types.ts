/**
 * The part of the dispatch picture (units and incidents, kept in sync with the
 * CAD by the bridge) that the hub's access rules need.
 */
export interface DispatchAssignments {
  /** Incident ids the unit is currently assigned to. */
  incidentsAssignedTo(unitId: string): string[];
}
