import { DEFAULT_STATUS_THRESHOLDS, StatusThresholdsSchema } from '../../../shared/contract/statusThresholds';
import type { CoreContext } from '../coreContext';
import type { SocketLogWriter } from '../log/types';
import { centreSetting } from './centreSetting';

/**
 * The centre's time-in-status thresholds: one setting for every console, kept
 * in the database (migration 007), changed only by a supervisor or admin, each
 * change written to the socket log and pushed to every console at once.
 */
export function registerStatusThresholds(ctx: Pick<CoreContext, 'api' | 'bus' | 'database' | 'logger'>, log: SocketLogWriter): void {
  const setting = centreSetting(ctx, log, 'status_thresholds', { schema: StatusThresholdsSchema, defaults: DEFAULT_STATUS_THRESHOLDS });
  ctx.api.handle('dispatch.thresholds', () => setting.current());
  ctx.api.handle('dispatch.setThresholds', async ({ incident, unit }, call) => {
    const next = await setting.save({ incident, unit }, call);
    ctx.bus.publish('dispatch.thresholdsUpdated', next);
    return next;
  });
}
