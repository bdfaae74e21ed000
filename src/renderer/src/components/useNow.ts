import { createContext, useContext, useSyncExternalStore } from 'react';

/**
 * One shared one-second clock for every timer on screen: a hundred timers
 * re-render once per second together instead of running a hundred intervals.
 * While the console has no live link the clock stops at the moment the picture
 * was last known true (`freezeClock`): a timer that kept counting would claim
 * a freshness the data does not have.
 */
const listeners = new Set<() => void>();
let now = Date.now();
let frozenAt: number | null = null;
let timer: ReturnType<typeof setInterval> | null = null;

const notify = () => listeners.forEach((l) => l());

function subscribe(listener: () => void) {
  listeners.add(listener);
  timer ??= setInterval(() => {
    if (frozenAt !== null) return;
    now = Date.now();
    notify();
  }, 1000);
  return () => {
    listeners.delete(listener);
    if (!listeners.size && timer) {
      clearInterval(timer);
      timer = null;
    }
  };
}

/** Stops every timer at `at` (ms since the epoch), or lets them run again with `null`. */
export function freezeClock(at: number | null): void {
  if (frozenAt === at) return;
  frozenAt = at;
  now = at ?? Date.now();
  notify();
}

/** The replayed moment inside a replay: its timers count to it, not to the wall clock. */
export const ReplayClock = createContext<number | null>(null);

export function useNow(): number {
  const replayed = useContext(ReplayClock);
  const live = useSyncExternalStore(subscribe, () => now);
  return replayed ?? live;
}

/** When the clock was frozen, or null while it runs. */
export function useFrozenAt(): number | null {
  const replayed = useContext(ReplayClock);
  const frozen = useSyncExternalStore(subscribe, () => frozenAt);
  return replayed === null ? frozen : null;
}
