import { DEFAULT_RUN_CARDS, RunCardsSchema } from '../../../shared/contract/runCards';
import type { CoreContext } from '../coreContext';
import type { SocketLogWriter } from '../log/types';
import { centreSetting } from './centreSetting';
import { indexRunCards, type RunCardLookup } from './runCards';

/**
 * The centre's run cards as a setting a supervisor edits in the console: stored
 * in centre_settings, each change in the socket log, pushed to every console,
 * and used by the very next suggestion (the lookup is rebuilt on save, not read
 * from the database per suggestion).
 */
export function registerRunCards(ctx: Pick<CoreContext, 'api' | 'bus' | 'database' | 'logger'>, log: SocketLogWriter): { lookup(): RunCardLookup } {
  const setting = centreSetting(ctx, log, 'run_cards', { schema: RunCardsSchema, defaults: DEFAULT_RUN_CARDS });
  let lookup = indexRunCards(setting.current());
  ctx.api.handle('dispatch.runCards', () => setting.current());
  ctx.api.handle('dispatch.setRunCards', async (table, call) => {
    const next = await setting.save(table, call);
    lookup = indexRunCards(next);
    ctx.bus.publish('dispatch.runCardsUpdated', next);
    return next;
  });
  return { lookup: () => lookup };
}
