import { beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { IPC_CALL_CHANNEL, IPC_EVENT_CHANNEL } from '../../../src/shared/contract';
import type { ConsoleTransport } from '../../../src/shared/contract/transport';
import { IPC_DESKTOP_CHANNEL, IPC_LINK_STATE_CHANNEL } from '../../../src/shared/desktop';

type IpcListener = (event: unknown, ...args: unknown[]) => void;

const bridge = vi.hoisted(() => ({
  exposed: new Map<string, unknown>(),
  ipcListeners: new Map<string, IpcListener[]>(),
  invoke: null as unknown as import('vitest').Mock<(channel: string, ...args: unknown[]) => Promise<unknown>>
}));

vi.mock('electron', async () => {
  const { vi } = await import('vitest');
  bridge.invoke = vi.fn();
  return {
    contextBridge: { exposeInMainWorld: (key: string, api: unknown) => bridge.exposed.set(key, api) },
    ipcRenderer: {
      invoke: bridge.invoke,
      on: (channel: string, listener: IpcListener) => {
        bridge.ipcListeners.set(channel, [...(bridge.ipcListeners.get(channel) ?? []), listener]);
      }
    }
  };
});

let api: ConsoleTransport;
/** What the main process pushing an event looks like from the preload's side. */
const push = (...args: unknown[]) =>
  (bridge.ipcListeners.get(IPC_EVENT_CHANNEL) ?? []).forEach((listener) => listener({ sender: 'ipcRenderer internals' }, ...args));

beforeAll(async () => {
  await import('../../../src/preload/index');
  api = bridge.exposed.get('switchboard') as ConsoleTransport;
});
beforeEach(() => {
  bridge.invoke.mockReset();
});

describe('the preload', () => {
  it('exposes window.switchboard (call, onEvent, onLink, onResync) and window.switchboardDesktop (call) and nothing else', () => {
    expect([...bridge.exposed.keys()]).toEqual(['switchboard', 'switchboardDesktop']);
    expect(Object.keys(api).sort()).toEqual(['call', 'onEvent', 'onLink', 'onResync']);
    expect(JSON.stringify(Object.values(api).map((v) => typeof v))).toBe('["function","function","function","function"]');
    expect(Object.keys(bridge.exposed.get('switchboardDesktop') as object)).toEqual(['call']);
    // One listener for pushed events, one for the link's state.
    expect([...bridge.ipcListeners.keys()].sort()).toEqual([IPC_EVENT_CHANNEL, IPC_LINK_STATE_CHANNEL].sort());
  });

  it('reports the link state the main process pushes, and a resync, to the page', () => {
    const states: string[] = [];
    const resyncs: string[] = [];
    const stop = (api as unknown as { onLink(l: (s: string) => void): () => void }).onLink((s) => states.push(s));
    (api as unknown as { onResync(l: (r: string) => void): () => void }).onResync((r) => resyncs.push(r));
    const pushLink = (notice: unknown) => (bridge.ipcListeners.get(IPC_LINK_STATE_CHANNEL) ?? []).forEach((l) => l({}, notice));
    pushLink({ state: 'down' });
    pushLink({ state: 'up' });
    pushLink({ state: 'hacked' });
    pushLink({ resync: 'reconnect' });
    pushLink({ resync: 'nonsense' });
    stop();
    pushLink({ state: 'down' });
    expect(states.slice(-2)).toEqual(['down', 'up']);
    expect(resyncs).toEqual(['reconnect']);
  });

  it('refuses desktop method names outside the desktop list before anything is sent', async () => {
    const desktop = bridge.exposed.get('switchboardDesktop') as { call(m: string, i: unknown): Promise<unknown> };
    expect(await desktop.call('shell.openExternal', { url: 'https://example.org' })).toMatchObject({ ok: false, error: { code: 'UNKNOWN_METHOD' } });
    expect(bridge.invoke).not.toHaveBeenCalled();
    bridge.invoke.mockResolvedValue({ ok: true, value: { saved: false } });
    expect(await desktop.call('export.save', { url: '/api/v1/socket-logs/exports/abc', filename: 'x.csv', token: 't' })).toEqual({ ok: true, value: { saved: false } });
    expect(bridge.invoke).toHaveBeenCalledWith(IPC_DESKTOP_CHANNEL, 'export.save', { url: '/api/v1/socket-logs/exports/abc', filename: 'x.csv', token: 't' });
  });

  it('sends a contract method over the one call channel and returns the Result', async () => {
    bridge.invoke.mockResolvedValue({ ok: true, value: { name: 'switchboard' } });
    expect(await api.call('system.info', {})).toEqual({ ok: true, value: { name: 'switchboard' } });
    expect(bridge.invoke).toHaveBeenCalledWith(IPC_CALL_CHANNEL, 'system.info', {});
  });

  it('refuses a name outside the contract before anything is sent', async () => {
    for (const name of ['fs.readFile', '__proto__', 'constructor', 'toString', '']) {
      expect(await api.call(name, {})).toMatchObject({ ok: false, error: { code: 'UNKNOWN_METHOD' } });
    }
    expect(await api.call({ toString: null } as unknown as string, {})).toMatchObject({ error: { code: 'UNKNOWN_METHOD' } });
    expect(bridge.invoke).not.toHaveBeenCalled();
  });

  it('turns a main process that does not answer into a Result, never a rejection', async () => {
    bridge.invoke.mockRejectedValue(new Error("Error invoking remote method 'switchboard:call': No handler registered"));
    expect(await api.call('alerts.list', {})).toMatchObject({ ok: false, error: { code: 'UNAVAILABLE' } });
    bridge.invoke.mockRejectedValue(new Error('An object could not be cloned.'));
    expect(await api.call('alerts.list', { onClick: () => 1 })).toMatchObject({ ok: false, error: { code: 'VALIDATION_FAILED' } });
  });

  it('hands pushed events to listeners without the IPC event object, and unsubscribes', () => {
    const seen: unknown[][] = [];
    const off = api.onEvent((...args) => seen.push(args));
    const broken = api.onEvent(() => {
      throw new Error('a view crashed');
    });
    const errors = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    push('system.heartbeat', { at: 'now', connections: 1 });
    push('not.in.contract', { x: 1 });
    push({ toString: null }, {});
    expect(seen).toEqual([['system.heartbeat', { at: 'now', connections: 1 }]]);
    expect(errors).toHaveBeenCalledOnce();
    off();
    broken();
    push('system.heartbeat', { at: 'later', connections: 1 });
    expect(seen).toHaveLength(1);
    errors.mockRestore();
  });
});
