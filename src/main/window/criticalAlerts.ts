import type { Alert } from '../../shared/contract/alerts';
import type { EventBus } from '../core/contract/bus';

export interface CriticalAlertNotice {
  alert: Alert;
  /** Why it is shown: new, raised to critical, or escalated unacknowledged. */
  reason: 'raised' | 'became-critical' | 'escalated';
}

/**
 * The hook for native notifications: calls `notify` once when a critical
 * alert appears, once when an open alert turns critical, and once more when a
 * critical alert escalates unacknowledged. Acknowledged or cleared alerts
 * never notify. Returns the unsubscribe function.
 */
export function watchCriticalAlerts(bus: Pick<EventBus, 'on'>, notify: (notice: CriticalAlertNotice) => void): () => void {
  const notifiedCritical = new Set<string>();
  const notifiedEscalation = new Set<string>();
  const consider = (alert: Alert, raised: boolean) => {
    if (alert.cleared_at || alert.acknowledged_at) {
      notifiedCritical.delete(alert.id);
      notifiedEscalation.delete(alert.id);
      return;
    }
    if (alert.severity !== 'critical') return;
    if (!notifiedCritical.has(alert.id)) {
      notifiedCritical.add(alert.id);
      notify({ alert, reason: raised ? 'raised' : 'became-critical' });
    } else if (alert.escalated && !notifiedEscalation.has(alert.id)) {
      notifiedEscalation.add(alert.id);
      notify({ alert, reason: 'escalated' });
    }
  };
  const offRaised = bus.on('alert.raised', (alert) => consider(alert, true));
  const offUpdated = bus.on('alert.updated', (alert) => consider(alert, false));
  return () => {
    offRaised();
    offUpdated();
  };
}

/** Title and body of the native notification; the message is clipped to what a toast shows. */
export function noticeText(notice: CriticalAlertNotice): { title: string; body: string } {
  const prefix = notice.reason === 'escalated' ? 'ESCALATED: ' : '';
  const body = notice.alert.message.length > 240 ? `${notice.alert.message.slice(0, 239)}…` : notice.alert.message;
  return { title: `${prefix}${notice.alert.title}`, body };
}
