import type { Logger } from 'pino';
import { CadSnapshotSchema } from '../../../shared/cad';
import { parseUntrusted } from '../../../shared/parseUntrusted';
import type { SequenceTracker } from '../bridge/sequence';
import type { DispatchState } from '../dispatch/dispatchState';
import { describeIssues } from '../errors';

export interface FollowerSync {
  /** Asks the holder for its picture, unless a request is already waiting for an answer. */
  request(reason: string): void;
  /** A snapshot from the holder: replaces the picture; false if it was malformed. */
  apply(raw: unknown): boolean;
  active(): boolean;
  count(): number;
  /** This node took the CAD link: it reads the CAD itself now. */
  cancel(): void;
  close(): void;
}

/**
 * How a node that does not hold the CAD link keeps its dispatch picture equal
 * to the holder's: the holder republishes every CAD event with its CAD epoch
 * and sequence, and on a gap (or an epoch change, or falling behind the
 * holder's heartbeat) this node asks for the holder's whole picture, the way
 * the bridge asks the CAD for a snapshot. A request with no answer is repeated
 * after `retryMs` (no holder right now, or the message was lost).
 */
export function createFollowerSync(options: {
  dispatch: DispatchState;
  tracker: SequenceTracker;
  logger: Logger;
  retryMs: number;
  ask(): void;
  onChange(): void;
}): FollowerSync {
  const { dispatch, tracker, logger } = options;
  let wanted = false;
  let completed = 0;
  let timer: NodeJS.Timeout | null = null;

  const setWanted = (value: boolean) => {
    if (wanted === value) return;
    wanted = value;
    options.onChange();
  };
  const stopTimer = () => {
    if (timer) clearTimeout(timer);
    timer = null;
  };
  const ask = (reason: string) => {
    logger.info({ reason }, 'asking the CAD link holder for its dispatch picture');
    options.ask();
    stopTimer();
    timer = setTimeout(() => ask('no snapshot from the CAD link holder yet'), options.retryMs);
    timer.unref();
  };

  return {
    request(reason) {
      if (wanted && timer) return;
      setWanted(true);
      ask(reason);
    },
    apply(raw) {
      const parsed = parseUntrusted(CadSnapshotSchema, raw);
      if (!parsed.success) {
        logger.warn({ reason: describeIssues(parsed.error.issues) }, 'ignored a malformed snapshot from the CAD link holder');
        return false;
      }
      const position = tracker.position();
      // An older picture than the one this node has (a late answer to an earlier request) would step back.
      if (!wanted && position && position.epoch === parsed.data.epoch && position.seq >= parsed.data.seq) return true;
      dispatch.replace(parsed.data);
      tracker.reset(parsed.data.epoch, parsed.data.seq);
      dispatch.setCadPosition(tracker.position());
      completed += 1;
      stopTimer();
      setWanted(false);
      return true;
    },
    active: () => wanted,
    count: () => completed,
    cancel() {
      stopTimer();
      setWanted(false);
    },
    close: stopTimer
  };
}
