import { useMemo, useState } from 'react';
import { MAX_TONE_MUTE_MINUTES } from '../../../../shared/contract/alerts';
import { useNow } from '../../components/useNow';
import { formatAge, formatClock } from '../../lib/format';
import { isMuted, unacknowledgedCritical, useAlerts } from '../../stores/alertsStore';
import { canAskForNotifications } from './alertTone';

/**
 * Across the top of every view while any critical alert waits: the oldest one,
 * how many there are, and the acknowledge button, so no view can hide it. The
 * alarm can be silenced here for a few minutes at most (the core logs who did).
 */
export function CriticalBanner({ onOpenAlerts }: { onOpenAlerts(): void }) {
  const now = useNow();
  const byId = useAlerts((s) => s.byId);
  const open = useMemo(() => unacknowledgedCritical(byId), [byId]);
  const mutedUntil = useAlerts((s) => s.mutedUntil);
  const acknowledge = useAlerts((s) => s.acknowledge);
  const muteFor = useAlerts((s) => s.muteFor);
  const unmute = useAlerts((s) => s.unmute);
  const [error, setError] = useState<string | null>(null);
  const [asked, setAsked] = useState(false);
  const first = open[0];
  if (!first) return null;
  const muted = isMuted(mutedUntil, now);
  return (
    <div className="critical-banner" role="alert" data-testid="critical-banner" data-count={open.length}>
      <strong className="critical-banner__count">
        {open.length} critical alert{open.length === 1 ? '' : 's'} unacknowledged
      </strong>
      <span className="critical-banner__what">
        {first.title} — {first.message} · raised {formatClock(first.raised_at)} ({formatAge(now - Date.parse(first.raised_at))} ago){first.escalated ? ' · ESCALATED' : ''}
      </span>
      <button type="button" className="alert__ack" data-testid="banner-acknowledge" onClick={() => void acknowledge(first.id).then(setError)}>
        Acknowledge
      </button>
      {open.length > 1 ? (
        <button type="button" onClick={onOpenAlerts}>
          All {open.length}
        </button>
      ) : null}
      {muted ? (
        <button type="button" onClick={unmute} data-testid="alarm-muted">
          Alarm muted until {formatClock(new Date(mutedUntil).toISOString())} · sound now
        </button>
      ) : (
        <button type="button" onClick={() => void muteFor(2).then(setError)} title={`Silences this workstation only, at most ${MAX_TONE_MUTE_MINUTES} minutes; the mute is logged with your name.`}>
          Mute alarm 2 min
        </button>
      )}
      {canAskForNotifications() && !asked ? (
        <button type="button" onClick={() => void Notification.requestPermission().then(() => setAsked(true))}>
          Desktop notifications
        </button>
      ) : null}
      {error ? <span className="critical-banner__error">{error}</span> : null}
    </div>
  );
}
