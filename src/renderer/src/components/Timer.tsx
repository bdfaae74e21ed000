import { formatAge } from '../lib/format';
import { useNow } from './useNow';

export interface Thresholds {
  /** Seconds after which the timer turns amber, then red. */
  warn: number;
  alarm: number;
}

/** An age or time-in-status that changes colour at configurable thresholds. */
export function Timer({ since, thresholds, label }: { since: number; thresholds: Thresholds; label?: string }) {
  const now = useNow();
  const seconds = (now - since) / 1000;
  const level = seconds >= thresholds.alarm ? 'alarm' : seconds >= thresholds.warn ? 'warn' : 'ok';
  return (
    <span className={`timer timer--${level}`} title={label} data-level={level}>
      {formatAge(now - since)}
    </span>
  );
}
