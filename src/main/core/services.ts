import type { BridgeService } from './bridge/bridgeService';
import type { DispatchState } from './dispatch/dispatchState';
import type { HospitalsService } from './hospitals/startHospitals';
import type { HubService } from './hub/startHub';
import type { SocketLog } from './log/service';
import type { ReplayService } from './replay/startReplay';

/**
 * Every domain's service, as createCore returns them once all have started
 * (tests and the shell reach a domain through `core.services`). Domains never
 * read this: each gets the services it needs as arguments of its start function.
 */
export interface CoreServices {
  log: SocketLog;
  dispatch: DispatchState;
  hub: HubService;
  hospitals: HospitalsService;
  bridge: BridgeService;
  replay: ReplayService;
}
