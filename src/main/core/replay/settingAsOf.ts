import type Sqlite from 'better-sqlite3';
import type { z } from 'zod';

type Stamp = { updated_by: string | null; updated_at: string | null };

const parseChange = (text: string | null): { setting?: unknown; value?: unknown } | null => {
  try {
    return JSON.parse(text ?? 'null') as { setting?: unknown; value?: unknown } | null;
  } catch {
    return null;
  }
};

/**
 * A centre setting (run cards, status thresholds) as it was at a moment, read
 * from the log: every change is a `settings_changed` row carrying the whole new
 * value (dispatch/centreSetting.ts), so the value in force at `at` is the last
 * change at or before it, and the defaults before the first change. A review
 * then judges a decision by the cards and thresholds the dispatcher had, not by
 * today's. A change row this build cannot read (written by a newer one) counts
 * as the defaults, the same rule the live setting applies.
 */
export function settingAsOf<S extends Stamp>(sqlite: Sqlite.Database, setting: string, at: number, spec: { schema: z.ZodType<S>; defaults: S }): S {
  const changes = sqlite
    .prepare(
      "SELECT created_at, user_id, event_data FROM socket_logs INDEXED BY idx_socket_logs_type_time WHERE event_type = 'settings_changed' AND created_at <= ? ORDER BY created_at DESC, id DESC"
    )
    .iterate(at) as IterableIterator<{ created_at: number; user_id: string | null; event_data: string | null }>;
  for (const row of changes) {
    const data = parseChange(row.event_data);
    if (data?.setting !== setting) continue;
    const parsed = spec.schema.safeParse({ ...(data.value as object), updated_by: row.user_id, updated_at: new Date(Number(row.created_at)).toISOString() });
    return parsed.success ? parsed.data : spec.defaults;
  }
  return spec.defaults;
}
