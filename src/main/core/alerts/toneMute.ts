import type { CoreContext } from '../coreContext';
import type { SocketLogWriter } from '../log/types';

/**
 * `alerts.muteTone`: a workstation may silence the critical-alert alarm only for
 * a few minutes (the contract caps it), and every mute is written to the socket
 * log with the operator and the critical alerts open at the time, so an audit
 * can see who silenced what. The mute itself lives on the workstation.
 */
export function registerToneMute(ctx: Pick<CoreContext, 'api' | 'alerts' | 'logger'>, log: SocketLogWriter): void {
  ctx.api.handle('alerts.muteTone', async ({ minutes }, call) => {
    const mutedUntil = new Date(Date.now() + minutes * 60_000).toISOString();
    const openCritical = ctx.alerts.list().filter((a) => a.severity === 'critical' && !a.acknowledged_at);
    await log.createSocketLog({
      eventType: 'alert_tone_muted',
      socketId: 'console',
      userId: call.operator?.username ?? null,
      userRole: call.operator?.role ?? null,
      eventData: { minutes, muted_until: mutedUntil, open_critical: openCritical.map((a) => ({ id: a.id, title: a.title })) },
      status: 'success',
      processed: true
    });
    ctx.logger.info({ operator: call.operator?.username, minutes }, 'critical-alert alarm muted on a workstation');
    return { muted_until: mutedUntil, minutes };
  });
}
