import type { LogFilter } from '../../../../shared/contract/log';
import type { RowFilter } from './queries';

/** The console's filter input as a query filter. */
export function filterFromInput(input: LogFilter): RowFilter {
  const eventTypes = input.event_types ?? (input.event_type ? [input.event_type] : undefined);
  return {
    from: input.from,
    to: input.to,
    eventTypes,
    status: input.status,
    userId: input.user_id,
    userRoles: input.user_role ? [input.user_role] : undefined,
    hospitalId: input.hospital_id
  };
}
