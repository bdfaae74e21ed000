import type { CoreContext } from '../coreContext';
import type { HubPublisher } from '../hub/types';
import type { SocketLogWriter } from '../log/types';
import { registerAlertHandlers } from './alertHandlers';
import { attachAlertReceiptLog } from './alertReceiptLog';
import { registerAlertMetrics } from './metrics';
import { registerToneMute } from './toneMute';

/**
 * Starts the alerts domain's console side and its audit trail: the console
 * methods, the tone mute, and the receipt log that writes each step of an
 * alert's life to the socket log and sends escalations to the hub's system
 * rooms. The alert center itself is built by createCore before any domain
 * (every domain raises alerts through `ctx.alerts`).
 */
export function startAlerts(ctx: CoreContext, deps: { log: SocketLogWriter; hub: HubPublisher }): void {
  registerAlertHandlers(ctx);
  registerToneMute(ctx, deps.log);
  const stopReceipts = attachAlertReceiptLog({ alerts: ctx.alerts, log: deps.log, hub: deps.hub, logger: ctx.logger.child({ domain: 'alerts' }) });
  ctx.onClose(stopReceipts);
  registerAlertMetrics(ctx.metrics, ctx.alerts);
}
