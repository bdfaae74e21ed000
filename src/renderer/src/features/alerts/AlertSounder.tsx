import { useEffect } from 'react';
import { useAlerts } from '../../stores/alertsStore';
import { notifyNative, playCriticalTone } from './alertTone';

const REPEAT_MS = 15_000;

/**
 * Sounds the tone when a critical alert arrives or escalates, and repeats it
 * while any critical alert stays unacknowledged past its deadline.
 */
export function AlertSounder() {
  useEffect(() => {
    const announced = new Set<string>();
    for (const a of Object.values(useAlerts.getState().byId)) announced.add(`${a.id}:${a.escalated}`);
    const unsubscribe = useAlerts.subscribe((state) => {
      let sound = false;
      for (const a of Object.values(state.byId)) {
        if (a.severity !== 'critical' || a.acknowledged_at || a.cleared_at) continue;
        const key = `${a.id}:${a.escalated}`;
        if (announced.has(key)) continue;
        announced.add(key);
        sound = true;
        notifyNative(a.escalated ? `ESCALATED: ${a.title}` : a.title, a.message);
      }
      if (sound && !state.muted) playCriticalTone();
    });
    const repeat = setInterval(() => {
      const { byId, muted } = useAlerts.getState();
      const overdue = Object.values(byId).some((a) => a.severity === 'critical' && !a.acknowledged_at && !a.cleared_at && (a.escalated || (a.deadline_at && Date.parse(a.deadline_at) < Date.now())));
      if (overdue && !muted) playCriticalTone();
    }, REPEAT_MS);
    return () => {
      unsubscribe();
      clearInterval(repeat);
    };
  }, []);
  return null;
}
