import { EventEmitter } from 'node:events';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { vi } from 'vitest';
import { registerConsoleIpc, type ConsoleIpc, type IpcMainLike } from '../../../src/main/ipc/consoleIpc';
import type { ConsoleWebContents, FrameLike, InvokeEventLike } from '../../../src/main/ipc/trustedSender';
import { isTrustedRendererUrl, type RendererLocation } from '../../../src/main/window/rendererLocation';
import { IPC_CALL_CHANNEL, IPC_EVENT_CHANNEL } from '../../../src/shared/contract';
import type { Result } from '../../../src/shared/result';
import type { Core } from '../../../src/main/core/createCore';
import { createSessionAudit } from '../../../src/main/core/console/adminHandlers';

export const rendererLocation: RendererLocation = {
  kind: 'file',
  indexPath: path.resolve('/opt/switchboard/out/renderer/index.html')
};
export const consoleUrl = pathToFileURL(rendererLocation.indexPath).toString();

let nextId = 1;

/** A console window's webContents as the registrar sees it: a main frame and a send(). */
export class FakeConsoleContents extends EventEmitter implements ConsoleWebContents {
  readonly id = nextId++;
  readonly mainFrame: FrameLike = { url: consoleUrl, processId: 1000 + this.id, routingId: 1 };
  /** Like webContents.send, it copies (structured clone) at send time: later mutations do not travel. */
  private readonly sent: unknown[][] = [];
  readonly send = vi.fn<(channel: string, ...args: unknown[]) => void>((channel, ...args) => {
    this.sent.push([channel, ...structuredClone(args)]);
  });
  destroyed = false;
  isDestroyed() {
    return this.destroyed;
  }
  /** The events pushed to this window so far, as [name, payload]. */
  pushed(): Array<[string, unknown]> {
    return this.sent.filter(([channel]) => channel === IPC_EVENT_CHANNEL).map(([, name, payload]) => [name as string, payload]);
  }
}

/** Electron's ipcMain, reduced to what the registrar uses, plus a way to invoke as a given frame. */
export class FakeIpcMain implements IpcMainLike {
  readonly handlers = new Map<string, (event: InvokeEventLike, ...args: unknown[]) => Promise<unknown>>();
  handle(channel: string, listener: (event: InvokeEventLike, ...args: unknown[]) => Promise<unknown>) {
    if (this.handlers.has(channel)) throw new Error(`second handler for ${channel}`);
    this.handlers.set(channel, listener);
  }
  removeHandler(channel: string) {
    this.handlers.delete(channel);
  }
  invoke(event: InvokeEventLike, method: unknown, input: unknown): Promise<Result<unknown>> {
    const handler = this.handlers.get(IPC_CALL_CHANNEL);
    if (!handler) throw new Error('no IPC handler registered');
    return handler(event, method, input) as Promise<Result<unknown>>;
  }
  /** A call from the main frame of `contents`, as the preload makes it. */
  call(contents: FakeConsoleContents, method: unknown, input: unknown = {}) {
    return this.invoke({ sender: contents, senderFrame: contents.mainFrame }, method, input);
  }
}

/** Registers the real IPC registrar over a real core with a fake ipcMain. */
export function ipcOver(core: Core): { ipcMain: FakeIpcMain; ipc: ConsoleIpc; window(): FakeConsoleContents } {
  const ipcMain = new FakeIpcMain();
  const ipc = registerConsoleIpc({
    ipcMain,
    api: core.api,
    bus: core.bus,
    isTrustedUrl: (url) => isTrustedRendererUrl(url, rendererLocation),
    log: core.logger.child({ domain: 'shell' }),
    revocations: core.revocations,
    audit: createSessionAudit(core, core.services.log)
  });
  return {
    ipcMain,
    ipc,
    window() {
      const contents = new FakeConsoleContents();
      ipc.attach(contents);
      return contents;
    }
  };
}
