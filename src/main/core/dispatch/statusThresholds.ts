import { DEFAULT_STATUS_THRESHOLDS, StatusThresholdsSchema } from '../../../shared/contract/statusThresholds';
import type { CoreContext } from '../coreContext';
import type { SocketLogWriter } from '../log/types';
import { centreSetting } from './centreSetting';
import type { CentreSettingRows } from './centreSettingRows';

/**
 * The centre's time-in-status thresholds: one setting for every console, kept
 * in the database (SQLite migration 007, PostgreSQL 006 in a cluster), changed
 * only by a supervisor or admin, each change written to the socket log and
 * pushed to every console at once (in a cluster, each node tells its own).
 */
export async function registerStatusThresholds(
  ctx: Pick<CoreContext, 'api' | 'bus' | 'logger'>,
  log: SocketLogWriter,
  rows: CentreSettingRows
): Promise<{ reload(): Promise<void> }> {
  const setting = await centreSetting(ctx, log, rows, 'status_thresholds', {
    schema: StatusThresholdsSchema,
    defaults: DEFAULT_STATUS_THRESHOLDS,
    onChange: (next) => ctx.bus.publish('dispatch.thresholdsUpdated', next)
  });
  ctx.api.handle('dispatch.thresholds', () => setting.current());
  ctx.api.handle('dispatch.setThresholds', ({ incident, unit }, call) => setting.save({ incident, unit }, call));
  return setting;
}
