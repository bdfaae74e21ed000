import { useEffect } from 'react';
import { unacknowledgedCritical, useAlerts } from '../../stores/alertsStore';
import { useDispatch } from '../../stores/dispatchStore';
import { splitCalls } from './CallList';
import { COMMAND_LINE_ID } from './CommandLine';

/**
 * Console-wide keys, for a dispatcher who keeps the hands on the keyboard:
 *   F2  the command line
 *   F3  the next pending call (most urgent, oldest first; again for the one after)
 *   F4  the next alert waiting for acknowledgement (focuses its Acknowledge button)
 */
export const SHORTCUTS: ReadonlyArray<[string, string]> = [
  ['F2', 'command line'],
  ['F3', 'next pending call'],
  ['F4', 'next alert to acknowledge']
];

export function useDispatchShortcuts(go: (view: 'dispatch' | 'alerts') => void, enabled: boolean): void {
  useEffect(() => {
    if (!enabled) return;
    const onKey = (e: KeyboardEvent) => {
      if (e.key === 'F2') {
        e.preventDefault();
        go('dispatch');
        requestAnimationFrame(() => document.getElementById(COMMAND_LINE_ID)?.focus());
      } else if (e.key === 'F3') {
        e.preventDefault();
        const { incidents, selected, select } = useDispatch.getState();
        const { pending } = splitCalls(incidents);
        if (!pending.length) return;
        const at = selected?.kind === 'incident' ? pending.findIndex((i) => i.id === selected.id) : -1;
        const next = pending[(at + 1) % pending.length]!;
        go('dispatch');
        select({ kind: 'incident', id: next.id }, { center: true });
        requestAnimationFrame(() => document.querySelector<HTMLElement>(`[data-testid="pending-calls"] [data-incident="${next.id}"]`)?.focus());
      } else if (e.key === 'F4') {
        e.preventDefault();
        const button = document.querySelector<HTMLElement>('[data-testid="banner-acknowledge"]');
        if (button && unacknowledgedCritical(useAlerts.getState().byId).length) button.focus();
        else go('alerts');
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [go, enabled]);
}
