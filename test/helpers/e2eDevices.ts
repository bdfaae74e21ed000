import { spawnSync } from 'node:child_process';
import { io, type Socket } from 'socket.io-client';
import { CLI } from './browser';
import { STATE_DEADLINE_MS } from './waitFor';

/** A token as an integrator gets one: printed by `switchboard token` for this data directory. */
export function cliToken(dataDir: string, args: string[]): string {
  const result = spawnSync(process.execPath, [CLI, 'token', ...args, '--data-dir', dataDir], { encoding: 'utf8' });
  if (result.status !== 0) throw new Error(result.stderr);
  return result.stdout.trim().split('\n').pop()!.trim();
}

/** A field device on the hub's Socket.IO endpoint, connected with a token for `args`. */
export async function connectDevice(url: string, dataDir: string, args: string[]): Promise<Socket> {
  const socket = io(url, { transports: ['websocket'], auth: { token: cliToken(dataDir, args) }, reconnection: false });
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', () => resolve());
    socket.once('connect_error', reject);
  });
  return socket;
}

/** Emits and waits for the hub's answer (no answer by the suite's deadline reads as a failure). */
export const emitAck = (socket: Socket, event: string, payload: unknown) =>
  new Promise<{ ok: boolean; error?: { code: string } }>((resolve) =>
    socket.timeout(STATE_DEADLINE_MS).emit(event, payload, (err: Error | null, body: { ok: boolean; error?: { code: string } }) => resolve(err ? { ok: false } : body))
  );
