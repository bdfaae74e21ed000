/**
 * How long a test waits for a state before it gives up and says what it waited
 * for. Generous on purpose: the suite must pass on a machine whose cores are busy
 * with something else, where a state arrives late but still arrives. A test never
 * waits for a duration instead.
 */
export const STATE_DEADLINE_MS = 60_000;

/** Polls `probe` until it returns something truthy, and returns that. */
export async function waitFor<T>(
  what: string,
  probe: () => T | undefined | null | false | Promise<T | undefined | null | false>,
  timeoutMs = STATE_DEADLINE_MS
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
