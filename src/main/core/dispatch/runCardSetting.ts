import { DEFAULT_RUN_CARDS, RunCardsSchema } from '../../../shared/contract/runCards';
import type { CoreContext } from '../coreContext';
import type { SocketLogWriter } from '../log/types';
import { centreSetting } from './centreSetting';
import type { CentreSettingRows } from './centreSettingRows';
import { indexRunCards, type RunCardLookup } from './runCards';

/**
 * The centre's run cards as a setting a supervisor edits in the console: stored
 * in centre_settings, each change in the socket log, pushed to every console,
 * and used by the very next suggestion (the lookup is rebuilt on every new
 * value, saved here or changed on another node, not read from the database per
 * suggestion).
 */
export async function registerRunCards(
  ctx: Pick<CoreContext, 'api' | 'bus' | 'logger'>,
  log: SocketLogWriter,
  rows: CentreSettingRows
): Promise<{ lookup(): RunCardLookup; reload(): Promise<void> }> {
  let lookup = indexRunCards(DEFAULT_RUN_CARDS);
  const setting = await centreSetting(ctx, log, rows, 'run_cards', {
    schema: RunCardsSchema,
    defaults: DEFAULT_RUN_CARDS,
    onChange(next) {
      lookup = indexRunCards(next);
      ctx.bus.publish('dispatch.runCardsUpdated', next);
    }
  });
  lookup = indexRunCards(setting.current());
  ctx.api.handle('dispatch.runCards', () => setting.current());
  ctx.api.handle('dispatch.setRunCards', (table, call) => setting.save(table, call));
  return { lookup: () => lookup, reload: () => setting.reload() };
}
