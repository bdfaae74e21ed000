import type { IncidentActivity } from '../../../shared/contract/dispatch';

/** Entries kept per incident: a long incident's first hour, not an unbounded history. */
const MAX_ENTRIES = 200;

/**
 * What happened to each incident, as the CAD told it (created, assigned, status
 * changes, incident times, notes, transport): the dispatcher's activity log.
 * Kept in memory beside the picture and rebuilt from the CAD's own incident
 * record after a resync, so it needs no table.
 */
export function createIncidentActivity() {
  const byIncident = new Map<string, IncidentActivity[]>();
  return {
    record(incidentId: string, entry: IncidentActivity) {
      let list = byIncident.get(incidentId);
      if (!list) byIncident.set(incidentId, (list = []));
      list.push(entry);
      if (list.length > MAX_ENTRIES) list.splice(0, list.length - MAX_ENTRIES);
    },
    list(incidentId: string): IncidentActivity[] {
      return (byIncident.get(incidentId) ?? []).map((e) => ({ ...e }));
    },
    /** A resync replaces what is known with the CAD's record: its times and notes, in order. */
    seed(incidentId: string, entries: IncidentActivity[]) {
      byIncident.set(incidentId, entries.sort((a, b) => a.at.localeCompare(b.at)).slice(-MAX_ENTRIES));
    },
    has: (incidentId: string) => byIncident.has(incidentId),
    forget(incidentId: string) {
      byIncident.delete(incidentId);
    }
  };
}

export type IncidentActivityLog = ReturnType<typeof createIncidentActivity>;
