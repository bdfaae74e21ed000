import type { CoreContext } from '../createCore';

export function registerAlertHandlers(ctx: Pick<CoreContext, 'api' | 'alerts'>): void {
  ctx.api.handle('alerts.list', ({ includeResolved, limit }) => ctx.alerts.list({ includeResolved, limit }));
  ctx.api.handle('alerts.acknowledge', ({ id }, call) => ctx.alerts.acknowledge(id, call.operator?.username ?? 'unknown'));
  ctx.api.handle('alerts.displayed', ({ id }) => ({ recorded: ctx.alerts.markDisplayed(id) }));
}
