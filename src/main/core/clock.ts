/**
 * Times as ISO 8601 strings, formatted once per millisecond. The hub stamps
 * thousands of messages a second, and `new Date().toISOString()` per message was
 * 4-5% of its event loop (line-level profile at 13k events/s); the rows of one
 * group commit mostly share their millisecond too.
 */
let stampMs = Number.NaN;
let stamp = '';

/** `new Date(ms).toISOString()`, reusing the last result for the same millisecond. */
export function isoAt(ms: number): string {
  if (ms !== stampMs) {
    stamp = new Date(ms).toISOString();
    stampMs = ms;
  }
  return stamp;
}

export const isoNow = (): string => isoAt(Date.now());

/** A jump of the wall clock against the monotonic clock (NTP step, an operator's `date -s`, a VM restore). */
export interface ClockStep {
  direction: 'back' | 'forward';
  /** How far the wall clock jumped, ms (negative: back). */
  stepMs: number;
  /** Where the wall clock should have been by the monotonic clock, and where it was. */
  expectedWall: number;
  observedWall: number;
  /** What the steady clock adds to the wall clock right after the step (0 after a forward step). */
  offsetMs: number;
}

export interface SteadyClock {
  /** Epoch ms that never go back, and slew back to the wall clock after a backward step. */
  now(): number;
  /** Current lead over the wall clock, ms (positive for a while after a backward step). */
  offset(): number;
  onStep(listener: (step: ClockStep) => void): () => void;
}

/** Jumps smaller than this are drift and scheduling noise, not steps. */
const STEP_TOLERANCE_MS = 2_000;
/** After a backward step the steady clock runs this much slower than real time until it meets the wall clock again. */
const SLEW_FRACTION = 0.1;

/**
 * Times for the log that keep their order through wall-clock steps. A dispatch
 * centre's times are evidence: when the clock stepped back an hour, created_at
 * went back 3,600 s between consecutive ids, "last 30 days" lost the events
 * from before the step and an expired token was accepted again.
 *
 * Each reading compares the wall clock with where the monotonic clock says it
 * should be. A backward step is not followed: the clock keeps the lead it had
 * (the offset) and gives it up slowly, running 10% slow, so times never go back
 * and meet the wall clock again (an hour's step in ten hours). A forward step is
 * followed (nothing goes back) and reported like a backward one.
 */
export function createSteadyClock(wall: () => number = Date.now, mono: () => number = () => performance.now()): SteadyClock {
  const listeners = new Set<(step: ClockStep) => void>();
  let lastWall = wall();
  let lastMono = mono();
  let offset = 0;
  let last = lastWall;
  return {
    now() {
      const w = wall();
      const m = mono();
      const elapsed = Math.max(0, m - lastMono);
      const drift = w - (lastWall + elapsed);
      offset = Math.max(0, offset - elapsed * SLEW_FRACTION);
      if (drift < -STEP_TOLERANCE_MS || drift > STEP_TOLERANCE_MS) {
        if (drift < 0) offset += -drift;
        else offset = Math.max(0, offset - drift);
        const step: ClockStep = { direction: drift < 0 ? 'back' : 'forward', stepMs: Math.round(drift), expectedWall: Math.round(lastWall + elapsed), observedWall: w, offsetMs: Math.round(offset) };
        // Reported on a later turn: the caller may be inside the log writer.
        for (const listener of listeners) queueMicrotask(() => listener(step));
      }
      lastWall = w;
      lastMono = m;
      last = Math.max(last, Math.round(w + offset));
      return last;
    },
    offset: () => offset,
    onStep(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    }
  };
}

/** The process's steady clock: log times, statistics windows and token expiry read it. */
export const steadyClock = createSteadyClock();
export const steadyNow = (): number => steadyClock.now();
