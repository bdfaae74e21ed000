import type { Result } from '../result';

/**
 * What the preload exposes as `window.switchboard` in Electron, and what the
 * browser transport implements over the `/console` Socket.IO namespace
 * (`emit('call', method, input, ack)`; server pushes `('event', name, payload)`).
 * The renderer's lib/api is the only reader of either.
 */
export interface ConsoleTransport {
  call(method: string, input: unknown): Promise<Result<unknown>>;
  onEvent(listener: (event: string, payload: unknown) => void): () => void;
}

declare global {
  interface Window {
    switchboard?: ConsoleTransport;
  }
}
