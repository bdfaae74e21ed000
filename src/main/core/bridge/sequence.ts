/**
 * Where the console stands in the CAD's event stream. Every CAD event carries
 * (epoch, seq): seq grows by one per event, and a new epoch means the CAD's
 * history restarted. Anything but "the next one" means the picture may be
 * missing something, and the bridge resynchronises from a snapshot.
 */
export type SequenceVerdict =
  /** The next event: apply it. */
  | 'next'
  /** Already covered (a replay, or included in the last snapshot): skip it. */
  | 'stale'
  /** Events were missed: apply this one and resync. */
  | 'gap'
  /** The CAD's history restarted: apply and resync. */
  | 'epoch_changed'
  /** No snapshot yet: apply, a resync is due anyway. */
  | 'unsynced';

export interface SequenceTracker {
  observe(epoch: string, seq: number): SequenceVerdict;
  /** After a snapshot: everything up to and including `seq` is in the picture. */
  reset(epoch: string, seq: number): void;
  position(): { epoch: string; seq: number } | null;
  gaps(): number;
}

export function createSequenceTracker(): SequenceTracker {
  let epoch: string | null = null;
  let last = -1;
  let gaps = 0;
  return {
    observe(e, seq) {
      if (epoch === null) return 'unsynced';
      if (e !== epoch) {
        epoch = e;
        last = seq;
        gaps += 1;
        return 'epoch_changed';
      }
      if (seq <= last) return 'stale';
      const verdict = seq === last + 1 ? 'next' : 'gap';
      if (verdict === 'gap') gaps += 1;
      last = seq;
      return verdict;
    },
    reset(e, seq) {
      epoch = e;
      last = seq;
    },
    position: () => (epoch === null ? null : { epoch, seq: last }),
    gaps: () => gaps
  };
}
