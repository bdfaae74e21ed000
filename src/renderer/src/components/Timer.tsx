import { formatAge } from '../lib/format';
import { useFrozenAt, useNow } from './useNow';

const asOfClock = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit', second: '2-digit', hour12: false });

export interface Thresholds {
  /** Seconds after which the timer turns amber, then red. */
  warn: number;
  alarm: number;
}

/** An age or time-in-status that changes colour at configurable thresholds. */
export function Timer({ since, thresholds, label }: { since: number; thresholds: Thresholds; label?: string }) {
  const now = useNow();
  const frozenAt = useFrozenAt();
  const seconds = (now - since) / 1000;
  const level = seconds >= thresholds.alarm ? 'alarm' : seconds >= thresholds.warn ? 'warn' : 'ok';
  return (
    <span className={`timer timer--${level}`} title={label} data-level={level} data-frozen={frozenAt === null ? undefined : '1'}>
      {formatAge(now - since)}
      {/* Stopped with the link: the age is what it was when the picture was last live. */}
      {frozenAt !== null ? <small className="timer__asof">as of {asOfClock.format(new Date(frozenAt))}</small> : null}
    </span>
  );
}
