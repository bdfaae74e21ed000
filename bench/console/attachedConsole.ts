import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { ROOT } from '../../test/helpers/browser';

/**
 * The attached console without Electron (see attached.bench.ts): attachedMain.ts
 * as the main process, and a stand-in for the preload injected into the page.
 */

export function startAttachedMain(url: string): Promise<{ child: ChildProcess; ipcUrl: string }> {
  const child = spawn(path.join(ROOT, 'node_modules/.bin/tsx'), [path.join(__dirname, 'attachedMain.ts'), `--url=${url}`], { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    let text = '';
    child.stdout!.on('data', (c: Buffer) => {
      text += c.toString('utf8');
      const match = /ipc: (ws:\/\/\S+)/.exec(text);
      if (match) resolve({ child, ipcUrl: match[1]! });
    });
    child.once('exit', (code) => reject(new Error(`attachedMain exited with ${code}: ${text}`)));
  });
}

/** The preload's stand-in: `window.switchboard` over the loopback socket to attachedMain (runs in the page, before its scripts). */
function installPreloadStandIn(ipcUrl: string) {
  type Listener = (...args: unknown[]) => void;
  const g = globalThis as unknown as { WebSocket: new (url: string) => { readyState: number; send(d: string): void; onopen: () => void; onmessage: (m: { data: string }) => void }; switchboard: unknown };
  const socket = new g.WebSocket(ipcUrl);
  const pending = new Map<number, (result: unknown) => void>();
  const queue: string[] = [];
  const events = new Set<Listener>();
  const links = new Set<Listener>();
  const resyncs = new Set<Listener>();
  let link = 'connecting';
  let nextId = 1;
  const invoke = (channel: string, ...args: unknown[]) =>
    new Promise((resolve) => {
      const id = nextId++;
      pending.set(id, resolve);
      const message = JSON.stringify({ id, channel, args });
      if (socket.readyState === 1) socket.send(message);
      else queue.push(message);
    });
  const setLink = (state: string) => {
    if (state === link) return;
    link = state;
    links.forEach((l) => l(state));
  };
  socket.onopen = () => {
    queue.splice(0).forEach((m) => socket.send(m));
    void invoke('switchboard:link').then((state) => typeof state === 'string' && setLink(state));
  };
  socket.onmessage = (m) => {
    const message = JSON.parse(m.data) as { id?: number; result?: unknown; channel?: string; args?: unknown[] };
    if (message.id !== undefined) {
      pending.get(message.id)?.(message.result);
      pending.delete(message.id);
    } else if (message.channel === 'switchboard:event') {
      (globalThis as unknown as { __attachedEvents: number }).__attachedEvents = ((globalThis as unknown as { __attachedEvents?: number }).__attachedEvents ?? 0) + 1;
      events.forEach((l) => l(...message.args!));
    }
    else if (message.channel === 'switchboard:link-state') {
      const notice = message.args![0] as { state?: string; resync?: string };
      if (notice.state) setLink(notice.state);
      else resyncs.forEach((l) => l(notice.resync));
    }
  };
  const subscribe = (set: Set<Listener>) => (listener: Listener) => {
    set.add(listener);
    return () => set.delete(listener);
  };
  g.switchboard = {
    call: (method: string, input: unknown) => invoke('switchboard:call', method, input),
    onEvent: subscribe(events),
    onLink: (listener: Listener) => {
      listener(link);
      return subscribe(links)(listener);
    },
    onResync: subscribe(resyncs)
  };
}

export const attachedConsole = (ipcUrl: string) => ({
  bypassCSP: true,
  // As a string: tsx compiles with esbuild's keepNames, whose __name helper does not exist in the page.
  prepare: async (context: BrowserContext) =>
    void (await context.addInitScript({ content: `var __name = (f) => f; (${installPreloadStandIn.toString()})(${JSON.stringify(ipcUrl)});` })),
  /** The page really ran on the stand-in (a failed init script would leave it on its own socket, measuring the browser path). */
  verify: async (page: Page) => {
    const seen = await page.evaluate(() => (globalThis as unknown as { __attachedEvents?: number }).__attachedEvents ?? 0);
    if (seen === 0) throw new Error('the attached console received no event through the stand-in preload: it was not measuring the attached path');
  }
});

