import { useEffect } from 'react';
import { isMuted, unacknowledgedCritical, useAlerts } from '../../stores/alertsStore';
import { notifyDesktop, playCriticalTone } from './alertTone';
import { showAlertCount } from './alertTitle';

/** How many times the repeat timer has looked and how many times it sounded (read by the debug hook). */
export const alarmCounters = { checks: 0, sounded: 0 };

/** How often the alarm sounds again while a critical alert waits: often enough that it cannot be tuned out. */
export const ALARM_REPEAT_MS = 4_000;

/**
 * The audible and out-of-window side of a critical alert. The alarm sounds when
 * one arrives and then every few seconds until every critical alert is
 * acknowledged (or, on this workstation, for the few minutes of a logged mute).
 * The tab title and favicon carry the count, and each new or escalated critical
 * alert is announced as a desktop notification where the browser permits it.
 */
export function AlertSounder() {
  useEffect(() => {
    const announced = new Set<string>();
    for (const a of Object.values(useAlerts.getState().byId)) announced.add(`${a.id}:${a.escalated}`);
    showAlertCount(unacknowledgedCritical(useAlerts.getState().byId).length);
    const sound = () => {
      const { byId, mutedUntil } = useAlerts.getState();
      if (unacknowledgedCritical(byId).length > 0 && !isMuted(mutedUntil)) {
        alarmCounters.sounded += 1;
        playCriticalTone();
      }
    };
    const unsubscribe = useAlerts.subscribe((state, previous) => {
      if (state.byId === previous.byId) return;
      const open = unacknowledgedCritical(state.byId);
      showAlertCount(open.length);
      let fresh = false;
      for (const a of open) {
        const key = `${a.id}:${a.escalated}`;
        if (announced.has(key)) continue;
        announced.add(key);
        fresh = true;
        notifyDesktop(a.escalated ? `ESCALATED: ${a.title}` : a.title, a.message, a.id);
      }
      if (fresh) sound();
    });
    const repeat = setInterval(() => {
      alarmCounters.checks += 1;
      sound();
    }, ALARM_REPEAT_MS);
    return () => {
      unsubscribe();
      clearInterval(repeat);
      showAlertCount(0);
    };
  }, []);
  return null;
}
