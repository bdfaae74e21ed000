import { EventEmitter } from 'node:events';
import { WebSocketServer, type WebSocket } from 'ws';
import { createLogger, createSecretScrubber } from '../../src/main/core/logger';
import { registerConsoleIpc, type IpcMainLike } from '../../src/main/ipc/consoleIpc';
import { registerDesktopIpc } from '../../src/main/ipc/desktopIpc';
import type { ConsoleWebContents, InvokeEventLike } from '../../src/main/ipc/trustedSender';
import { startAttached } from '../../src/main/workstation/attachedBackend';

/**
 * The attached desktop app's main process, without Electron (whose binary
 * cannot run here): the same modules Electron runs in attached mode (the
 * attached link to the centre's /console, the remote contract, the guarded IPC
 * registrar, the link-state channel), with Electron's IPC replaced by one
 * loopback WebSocket per window. The page side of that socket is the preload's
 * stand-in (attached.bench.ts). Prints `ipc: ws://127.0.0.1:PORT` when ready.
 *
 * Run: npx tsx bench/console/attachedMain.ts --url=http://127.0.0.1:8780
 */

/** The console's origin as the stand-in's windows report it: the only page the registrar trusts here. */
export const TRUSTED_PAGE = 'http://bench-console.invalid/index.html';

async function main() {
  const url = process.argv.find((a) => a.startsWith('--url='))!.slice('--url='.length);
  const log = createLogger({ level: 'warn', scrubber: createSecretScrubber() });
  const backend = await startAttached({ mode: 'attached', url }, log);
  const handlers = new Map<string, (event: InvokeEventLike, ...args: unknown[]) => Promise<unknown>>();
  const ipcMain: IpcMainLike = {
    handle: (channel, listener) => void handlers.set(channel, listener),
    removeHandler: (channel) => void handlers.delete(channel)
  };
  const isTrustedUrl = (page: string) => page === TRUSTED_PAGE;
  const ipc = registerConsoleIpc({ ipcMain, api: backend.api, bus: backend.bus, isTrustedUrl, log, ...backend.sessions });
  const desktop = registerDesktopIpc({ ipcMain, isTrustedUrl, roleOf: (id) => ipc.sessionOf(id)?.role ?? null, link: backend.link, handlers: {}, log });

  let nextId = 1;
  const server = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  server.on('connection', (socket: WebSocket) => {
    const emitter = new EventEmitter();
    const contents: ConsoleWebContents = Object.assign(emitter, {
      id: nextId++,
      mainFrame: { url: TRUSTED_PAGE, processId: 1, routingId: nextId },
      isDestroyed: () => socket.readyState !== socket.OPEN,
      send: (channel: string, ...args: unknown[]) => socket.send(JSON.stringify({ channel, args }))
    });
    ipc.attach(contents);
    desktop.attach(contents);
    socket.on('message', (data) => {
      const { id, channel, args } = JSON.parse(String(data)) as { id: number; channel: string; args: unknown[] };
      const handler = handlers.get(channel);
      void (handler ? handler({ sender: contents, senderFrame: contents.mainFrame }, ...args) : Promise.resolve(null)).then((result) =>
        socket.send(JSON.stringify({ id, result }))
      );
    });
    socket.on('close', () => emitter.emit('destroyed'));
  });
  await new Promise((resolve) => server.once('listening', resolve));
  console.log(`ipc: ws://127.0.0.1:${(server.address() as { port: number }).port}`);
  process.on('SIGTERM', () => {
    server.close();
    void backend.close().then(() => process.exit(0));
  });
}

void main().catch((err) => {
  console.error(err);
  process.exit(1);
});
