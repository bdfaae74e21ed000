import { useEffect, useState } from 'react';
import { formatAge } from '../../lib/format';
import type { LinkState, ResyncReason } from '../../lib/api';
import { useLive } from '../../stores/liveStore';

const clock = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit', second: '2-digit', hour12: false });
export const formatTimeOfDay = (ms: number) => clock.format(new Date(ms));

const HEADLINE: Record<Exclude<LinkState, 'up'>, string> = {
  connecting: 'Connecting to the core',
  down: 'No link to the core',
  silent: 'The core is not answering',
  stopping: 'The core is shutting down'
};

/** Seconds the "resynchronised" note stays up unless dismissed. */
const RESYNC_NOTE_MS = 60_000;

/** Why the console reloaded its picture, in the note's words. */
const RESYNC_CAUSE: Record<ResyncReason, (node?: string) => string> = {
  restart: () => 'the core restarted',
  reconnect: () => 'the link was lost',
  moved: (node) => `the console moved to ${node ?? 'another node'} of the cluster (its node stopped answering)`
};

/**
 * The one thing nobody can miss: while the link is not live, a red band across
 * the console says so, says how old the picture is (it keeps counting, unlike
 * the frozen timers below it), and that actions are off. After a reconnect a
 * note says the picture was thrown away and reloaded.
 */
export function OutageBanner() {
  const { link, outageSince, resync, dismissResync } = useLive();
  const [now, setNow] = useState(Date.now());
  const down = link !== 'up';
  useEffect(() => {
    if (!down && !resync) return;
    const timer = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(timer);
  }, [down, resync]);
  useEffect(() => {
    if (resync && now - resync.at > RESYNC_NOTE_MS) dismissResync();
  }, [now, resync, dismissResync]);

  if (down) {
    return (
      <div className="outage" role="alert" data-testid="outage-banner" data-link={link}>
        <strong className="outage__title">{HEADLINE[link]}</strong>
        <span>
          {outageSince !== null
            ? `Everything shown is as of ${formatTimeOfDay(outageSince)} (${formatAge(now - outageSince)} old) and may be wrong.`
            : 'Nothing shown is live yet.'}{' '}
          Actions are disabled until the link is back; nothing you click is sent.
        </span>
      </div>
    );
  }
  if (resync) {
    return (
      <div className="resync-note" role="status" data-testid="resync-note" data-reason={resync.reason}>
        <span>
          Resynchronised at {formatTimeOfDay(resync.at)}:{' '}
          {RESYNC_CAUSE[resync.reason](resync.node)}, so the console threw its picture away and reloaded everything from the core.
        </span>
        <button type="button" onClick={dismissResync}>
          Dismiss
        </button>
      </div>
    );
  }
  return null;
}
