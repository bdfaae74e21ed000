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
  /** Called by the processor for each event refused RESTARTING. */
  refused(): void;
  /**
   * Resolves once no event has arrived for `quietMs` (or after `deadlineMs`): events a
   * client sent just before the drain began are still on the wire, and answering them
   * RESTARTING before the transport closes tells the client to resend them.
   */
  quiet(quietMs: number, deadlineMs: number): Promise<void>;
}

export function createDrainGate(): DrainGate {
  let wake: (() => void) | null = null;
  let lastRefusal = 0;
  const gate: DrainGate = {
    refused: () => void (lastRefusal = performance.now()),
    async quiet(quietMs, deadlineMs) {
      const deadline = performance.now() + deadlineMs;
      lastRefusal = performance.now();
      while (performance.now() < deadline) {
        const wait = lastRefusal + quietMs - performance.now();
        if (wait <= 0 && gate.inFlight === 0) return;
        await new Promise((resolve) => setTimeout(resolve, Math.max(wait, 10)));
      }
    },
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
