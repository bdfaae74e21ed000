import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron';
import { IPC_CALL_CHANNEL, IPC_EVENT_CHANNEL, isEventName, isMethodName } from '../shared/contract';
import type { ConsoleTransport } from '../shared/contract/transport';
import { fail, type Result } from '../shared/result';

/**
 * The console's only door to the core: `window.switchboard`, two functions
 * derived from the contract. ipcRenderer itself never crosses the bridge, the
 * IPC event object (with its `sender`) is never handed to page code, and names
 * outside the contract are refused here before anything is sent.
 */
const listeners = new Set<(event: string, payload: unknown) => void>();

// One IPC listener fans out to the page's listeners, however many subscribe.
ipcRenderer.on(IPC_EVENT_CHANNEL, (_event: IpcRendererEvent, name: unknown, payload: unknown) => {
  if (!isEventName(name)) return;
  for (const listener of listeners) {
    try {
      listener(name, payload);
    } catch (err) {
      // One broken view must not stop the alert from reaching the others.
      console.error(`switchboard: listener for ${name} threw`, err);
    }
  }
});

const transport: ConsoleTransport = {
  async call(method: string, input: unknown): Promise<Result<unknown>> {
    if (!isMethodName(method)) {
      const shown = typeof method === 'string' ? method.slice(0, 64) : typeof method;
      return fail('UNKNOWN_METHOD', `Unknown console method "${shown}".`);
    }
    try {
      return (await ipcRenderer.invoke(IPC_CALL_CHANNEL, method, input)) as Result<unknown>;
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      if (/could not be cloned/i.test(message)) {
        return fail('VALIDATION_FAILED', `${method}: the input holds values that cannot be sent (functions, DOM nodes).`);
      }
      return fail('UNAVAILABLE', 'The Switchboard core did not answer; try again in a moment.');
    }
  },
  onEvent(listener: (event: string, payload: unknown) => void): () => void {
    if (typeof listener !== 'function') throw new TypeError('onEvent needs a function');
    listeners.add(listener);
    return () => {
      listeners.delete(listener);
    };
  }
};

contextBridge.exposeInMainWorld('switchboard', transport);
