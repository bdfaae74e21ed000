import type { CoreContext } from '../coreContext';

export function registerAlertHandlers(ctx: Pick<CoreContext, 'api' | 'alerts'>): void {
  ctx.api.handle('alerts.list', ({ includeResolved, limit }) => ctx.alerts.list({ includeResolved, limit }));
  ctx.api.handle('alerts.acknowledge', async ({ id }, call) => {
    const alert = ctx.alerts.acknowledge(id, call.operator?.username ?? 'unknown');
    // Answered only once stored: an acknowledgement the console saw succeed survives a crash.
    await ctx.alerts.flush();
    return alert;
  });
  ctx.api.handle('alerts.delivered', ({ id }, call) => ({ recorded: ctx.alerts.markDelivered(id, call.operator?.username) }));
  ctx.api.handle('alerts.displayed', ({ id }, call) => ({ recorded: ctx.alerts.markDisplayed(id, call.operator?.username) }));
}
