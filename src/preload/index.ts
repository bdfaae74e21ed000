import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron';
import { IPC_CALL_CHANNEL, IPC_EVENT_CHANNEL, isEventName, isMethodName } from '../shared/contract';
import type { LinkState, ResyncReason } from '../shared/contract/consoleLink';
import type { ConsoleTransport } from '../shared/contract/transport';
import { IPC_DESKTOP_CHANNEL, IPC_LINK_CHANNEL, IPC_LINK_STATE_CHANNEL, isDesktopMethod, isLinkState, type DesktopBridge } from '../shared/desktop';
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

/*
 * The link to the core as the main process sees it: always up when this
 * workstation runs the core, the attached link's state when it is attached to
 * a centre. Starts as connecting until the main process has said.
 */
let linkState: LinkState = 'connecting';
const linkListeners = new Set<(state: LinkState) => void>();
const resyncListeners = new Set<(reason: ResyncReason) => void>();
const setLink = (state: LinkState) => {
  if (state === linkState) return;
  linkState = state;
  linkListeners.forEach((listener) => listener(state));
};
ipcRenderer.on(IPC_LINK_STATE_CHANNEL, (_event: IpcRendererEvent, notice: unknown) => {
  const n = notice as { state?: unknown; resync?: unknown } | null;
  if (isLinkState(n?.state)) setLink(n.state);
  else if (n?.resync === 'restart' || n?.resync === 'reconnect') resyncListeners.forEach((listener) => listener(n.resync as ResyncReason));
});
void Promise.resolve(ipcRenderer.invoke(IPC_LINK_CHANNEL)).then(
  (state: unknown) => isLinkState(state) && setLink(state),
  () => setLink('down')
);

const transport: ConsoleTransport & {
  onLink(listener: (state: LinkState) => void): () => void;
  onResync(listener: (reason: ResyncReason) => void): () => void;
} = {
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
  },
  onLink(listener: (state: LinkState) => void): () => void {
    if (typeof listener !== 'function') throw new TypeError('onLink needs a function');
    listener(linkState);
    linkListeners.add(listener);
    return () => {
      linkListeners.delete(listener);
    };
  },
  onResync(listener: (reason: ResyncReason) => void): () => void {
    if (typeof listener !== 'function') throw new TypeError('onResync needs a function');
    resyncListeners.add(listener);
    return () => {
      resyncListeners.delete(listener);
    };
  }
};

/** The desktop shell's own calls (save dialogs, PDF, workstation mode); names outside that list never travel. */
const desktop: DesktopBridge = {
  async call(method, input) {
    if (!isDesktopMethod(method)) return fail('UNKNOWN_METHOD', 'Unknown desktop method.');
    try {
      return (await ipcRenderer.invoke(IPC_DESKTOP_CHANNEL, method, input)) as Result<unknown>;
    } catch {
      return fail('UNAVAILABLE', 'The desktop shell did not answer; try again in a moment.');
    }
  }
};

contextBridge.exposeInMainWorld('switchboard', transport);
contextBridge.exposeInMainWorld('switchboardDesktop', desktop);
