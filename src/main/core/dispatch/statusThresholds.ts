import { DEFAULT_STATUS_THRESHOLDS, StatusThresholdsSchema, type StatusThresholds } from '../../../shared/contract/statusThresholds';
import type { CoreContext } from '../coreContext';
import type { SocketLogWriter } from '../log/types';

const KEY = 'status_thresholds';

interface SettingRow {
  value: string;
  updated_by: string | null;
  updated_at: string;
}

/**
 * The centre's time-in-status thresholds: one setting for every console, kept
 * in the database (migration 007), changed only by a supervisor or admin, each
 * change written to the socket log and pushed to every console at once.
 */
export function registerStatusThresholds(ctx: Pick<CoreContext, 'api' | 'bus' | 'database' | 'logger'>, log: SocketLogWriter): void {
  const { sqlite } = ctx.database;
  const read = sqlite.prepare<[string], SettingRow>('SELECT value, updated_by, updated_at FROM centre_settings WHERE key = ?');
  const write = sqlite.prepare<[string, string, string | null, string]>(
    'INSERT INTO centre_settings (key, value, updated_by, updated_at) VALUES (?, ?, ?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value, updated_by = excluded.updated_by, updated_at = excluded.updated_at'
  );

  const current = (): StatusThresholds => {
    const row = read.get(KEY);
    if (!row) return DEFAULT_STATUS_THRESHOLDS;
    const parsed = StatusThresholdsSchema.safeParse({ ...(JSON.parse(row.value) as object), updated_by: row.updated_by, updated_at: row.updated_at });
    if (parsed.success) return parsed.data;
    // A stored value this build cannot read (a downgrade): say so and fall back rather than fail every console.
    ctx.logger.warn({ issues: parsed.error.issues.slice(0, 3) }, 'stored status thresholds unreadable; using the defaults');
    return DEFAULT_STATUS_THRESHOLDS;
  };

  ctx.api.handle('dispatch.thresholds', () => current());
  ctx.api.handle('dispatch.setThresholds', async ({ incident, unit }, call) => {
    const by = call.operator?.username ?? null;
    const at = new Date().toISOString();
    write.run(KEY, JSON.stringify({ incident, unit }), by, at);
    const next: StatusThresholds = { incident, unit, updated_by: by, updated_at: at };
    await log.createSocketLog({
      eventType: 'settings_changed',
      socketId: 'console',
      userId: by,
      userRole: call.operator?.role ?? null,
      eventData: { setting: KEY, value: { incident, unit } },
      status: 'success',
      processed: true
    });
    ctx.bus.publish('dispatch.thresholdsUpdated', next);
    return next;
  });
}
