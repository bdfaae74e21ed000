import type { CoreContext } from '../coreContext';
import { AppError } from '../errors';
import type { SocketLogWriter } from '../log/types';
import { createDispatchState, type DispatchState } from './dispatchState';
import { registerStatusThresholds } from './statusThresholds';
import { registerRunCards } from './runCardSetting';
import { centreSettingRowsFor, followCentreSettings } from './centreSetting';

/**
 * Starts the dispatch picture (before the hub, whose room rules ask it which
 * incidents a unit is on). The bridge fills it from the CAD; this domain serves
 * it to consoles and pushes every change.
 */
export async function startDispatch(ctx: CoreContext, deps: { log: SocketLogWriter }): Promise<DispatchState> {
  const settingRows = centreSettingRowsFor(ctx);
  const runCards = await registerRunCards(ctx, deps.log, settingRows);
  const state = createDispatchState({ runCards: runCards.lookup });
  const stop = state.onChange((changes) => {
    if (changes.units.length || changes.removedUnits.length) {
      ctx.bus.publish('dispatch.unitUpdated', { units: changes.units, removed: changes.removedUnits });
    }
    if (changes.incidents.length || changes.removedIncidents.length) {
      ctx.bus.publish('dispatch.incidentUpdated', { incidents: changes.incidents, removed: changes.removedIncidents });
    }
  });
  ctx.onClose(stop);

  ctx.api.handle('dispatch.snapshot', () => state.snapshot());
  ctx.api.handle('dispatch.incidentActivity', ({ incident_id }) => {
    if (!state.peekIncident(incident_id)) throw new AppError('NOT_FOUND', `No incident ${incident_id} in the dispatch picture.`);
    return state.activity(incident_id);
  });
  ctx.api.handle('dispatch.suggestUnits', ({ incident_id, limit }) => {
    const incident = state.incident(incident_id);
    if (!incident) throw new AppError('NOT_FOUND', `No incident ${incident_id} in the dispatch picture.`);
    if (!incident.location) throw new AppError('CONFLICT', `Incident ${incident_id} has no location to measure from.`);
    return state.suggestUnits(incident_id, limit);
  });

  const thresholds = await registerStatusThresholds(ctx, deps.log, settingRows);
  await followCentreSettings(ctx, settingRows, new Map([['run_cards', runCards], ['status_thresholds', thresholds]]));
  return state;
}
