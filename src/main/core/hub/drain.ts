/**
 * The hub's shutdown gate (docs/hub-protocol.md, "Restarts"). While draining,
 * new events are answered RESTARTING at once; `idle()` resolves when every event
 * taken before that has been answered, so the transports close only after that.
 */
export interface DrainGate {
  draining: boolean;
  /** Events taken and not yet answered. */
  inFlight: number;
  /** Called by the processor when it answers an event. */
  answered(): void;
  /** Stops taking events; resolves when the ones taken are answered, or after `deadlineMs` (returns how many were left). */
  drain(deadlineMs: number): Promise<number>;
}

export function createDrainGate(): DrainGate {
  let wake: (() => void) | null = null;
  const gate: DrainGate = {
    draining: false,
    inFlight: 0,
    answered() {
      gate.inFlight -= 1;
      if (gate.inFlight === 0 && wake) wake();
    },
    async drain(deadlineMs) {
      gate.draining = true;
      if (gate.inFlight === 0) return 0;
      let timer: NodeJS.Timeout | undefined;
      await new Promise<void>((resolve) => {
        wake = resolve;
        timer = setTimeout(resolve, deadlineMs);
      });
      clearTimeout(timer);
      wake = null;
      return gate.inFlight;
    }
  };
  return gate;
}
