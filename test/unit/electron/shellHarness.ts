import path from 'node:path';
import { PassThrough } from 'node:stream';
import { vi } from 'vitest';
import { createLogger, createSecretScrubber } from '../../../src/main/core/logger';
import { startShell, type ShellHandle, type ShellRuntime } from '../../../src/main/window/appShell';
import { IPC_CALL_CHANNEL } from '../../../src/shared/contract';
import { IPC_DESKTOP_CHANNEL } from '../../../src/shared/desktop';
import { tempDir } from '../../helpers/core';
import { fake, FakeBrowserWindow, FakeNotification, FakeTray, type FakeWebContents } from './fakeElectron';

/**
 * Starts the real shell against the faked `electron` (each test file mocks it
 * with `vi.mock('electron', ...)`), with a fresh userData folder, and quits it
 * after the test so no core or link outlives it.
 */

export const mainDir = path.resolve('/opt/switchboard/out/main');
let current: ShellHandle | undefined;

export function freshElectron(): void {
  fake.app.reset();
  fake.session.defaultSession.reset();
  fake.app.userDataDir = tempDir('switchboard-userdata-');
  fake.ipcMain.handlers.clear();
  fake.displays = [{ id: 1, bounds: { x: 0, y: 0, width: 1920, height: 1080 }, workArea: { x: 0, y: 0, width: 1920, height: 1040 } }];
  fake.saveDialogAnswer = { canceled: true };
  FakeBrowserWindow.instances.length = 0;
  FakeNotification.instances.length = 0;
  FakeTray.instances.length = 0;
  vi.clearAllMocks();
}

export function startTestShell(options: { env?: NodeJS.ProcessEnv; argv?: string[] } = {}) {
  const lines: string[] = [];
  const sink = new PassThrough();
  sink.on('data', (chunk: Buffer) => lines.push(chunk.toString('utf8')));
  const log = createLogger({ level: 'info', scrubber: createSecretScrubber(), destination: sink });
  current = startShell({ env: { SWITCHBOARD_PORT: '0', SWITCHBOARD_LOG_LEVEL: 'warn', ...options.env }, argv: options.argv ?? [], mainDir, log, closeTimeoutMs: 10_000 });
  return { handle: current, logText: () => lines.join('') };
}

/** Starts and fires ready; resolves with the runtime (null when the shell did not start). */
export async function readyShell(options: { env?: NodeJS.ProcessEnv; argv?: string[] } = {}): Promise<ShellRuntime | null> {
  const { handle } = startTestShell(options);
  fake.app.fireReady();
  return handle.ready;
}

export async function quitShell(): Promise<void> {
  if (current?.primary) {
    fake.app.quit();
    await current.closed;
  }
  current = undefined;
}

/** The console window of a runtime, as the fake it is. */
export const consoleWindowOf = (runtime: ShellRuntime): FakeBrowserWindow => runtime.window() as unknown as FakeBrowserWindow;

/** The console contract over IPC, as the preload calls it from that window. */
export const callCore = (contents: FakeWebContents, method: string, input: unknown = {}) => fake.ipcMain.invokeFrom(contents, IPC_CALL_CHANNEL, method, input);
/** The desktop shell's own calls, as `window.switchboardDesktop.call` makes them. */
export const callDesktop = (contents: FakeWebContents, method: string, input: unknown = {}) => fake.ipcMain.invokeFrom(contents, IPC_DESKTOP_CHANNEL, method, input);
