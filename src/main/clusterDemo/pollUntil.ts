/**
 * Polls `probe` until it returns something truthy, and returns that; after
 * `timeoutMs` it gives up with an error naming what it waited for. Starting an
 * engine is waiting for a state (it answers), never for a duration.
 */
export async function pollUntil<T>(what: string, probe: () => T | undefined | null | false | Promise<T | undefined | null | false>, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
