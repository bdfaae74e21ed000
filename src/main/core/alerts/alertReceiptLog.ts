import type { Logger } from 'pino';
import { rooms } from '../../../shared/rooms';
import type { HubPublisher } from '../hub/types';
import type { SocketLogWriter } from '../log/types';
import type { AlertCenter } from './alertCenter';

/**
 * Writes each step of an alert's life to the socket log (raise and clear of
 * every alert; delivered, displayed, acknowledged and escalated for critical
 * ones, which is the receipt trail an audit asks for), and sends escalations
 * to the system alert rooms so supervisors' clients hear them too.
 */
export function attachAlertReceiptLog(deps: {
  alerts: AlertCenter;
  log: SocketLogWriter;
  hub: HubPublisher;
  logger: Logger;
}): () => void {
  return deps.alerts.onChange((alert, change, by) => {
    if (change === 'refreshed') return;
    const receiptStep = change === 'delivered' || change === 'displayed' || change === 'acknowledged' || change === 'escalated';
    if (receiptStep && alert.severity !== 'critical') return;
    if (change === 'escalated') {
      const escalation = { alert_id: alert.id, key: alert.key, title: alert.title, message: alert.message, severity: alert.severity, raised_at: alert.raised_at, escalated: true };
      deps.hub.publish(rooms.systemAlerts, 'system.alert', escalation);
      deps.hub.publish(rooms.adminUpdates, 'system.alert', escalation);
    }
    deps.log
      .createSocketLog({
        eventType: `alert_${change}`,
        socketId: 'core',
        userId: by,
        userRole: change === 'acknowledged' || change === 'displayed' || change === 'delivered' ? 'operator' : 'system',
        eventData: { alert_id: alert.id, key: alert.key, kind: alert.kind, severity: alert.severity, title: alert.title },
        hospitalId: alert.hospital_id,
        status: 'success',
        processed: true
      })
      .catch((err: unknown) => deps.logger.error({ err, alert: alert.id, change }, 'alert receipt not logged'));
  });
}
