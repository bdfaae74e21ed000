import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { io as connect } from 'socket.io-client';
import { CONSOLE_NAMESPACE } from '../../src/shared/contract';
import { runCli, startCli } from '../helpers/cli';
import { tempDir } from '../helpers/core';
import { waitFor } from '../helpers/waitFor';
import { serveCommand } from '../../src/main/cli/commands/serve';

const stops: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const stop of stops.splice(0)) await stop();
});

describe('the switchboard command', () => {
  it('adds an operator from a password on stdin and lists it, refusing bad roles and short passwords', () => {
    const dataDir = tempDir();
    const added = runCli(['user', 'add', '--username', 'dana', '--role', 'dispatcher', '--data-dir', dataDir], { input: 'correct horse\n' });
    expect(added.stdout).toContain('Added dispatcher "dana"');
    expect(added.code).toBe(0);
    const listed = runCli(['user', 'list', '--data-dir', dataDir]);
    expect(listed.stdout).toContain('dana\tdispatcher');
    const badRole = runCli(['user', 'add', '--username', 'eve', '--role', 'root', '--data-dir', dataDir], { input: 'password123' });
    expect(badRole.code).toBe(2);
    expect(badRole.stderr).toContain('--role must be one of');
    const short = runCli(['user', 'add', '--username', 'eve', '--role', 'admin', '--data-dir', dataDir], { input: 'short' });
    expect(short.code).toBe(2);
    expect(short.stderr).toContain('at least 10 characters');
  });

  it('prints a token signed with the data directory secret, created 0600 on first use', () => {
    const dataDir = tempDir();
    const res = runCli(['token', '--role', 'crew', '--sub', 'medic-7', '--unit-id', 'M7', '--data-dir', dataDir]);
    expect(res.code).toBe(0);
    expect(res.stdout.trim()).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+$/);
    const mode = fs.statSync(path.join(dataDir, 'jwt.secret')).mode & 0o777;
    expect(mode).toBe(0o600);
    expect(runCli(['token', '--role', 'wizard', '--sub', 'x', '--data-dir', dataDir]).code).toBe(2);
  });

  it('serves the console, accepts a signed-in operator and shuts down gracefully on SIGTERM', async () => {
    const dataDir = tempDir();
    runCli(['user', 'add', '--username', 'sam', '--role', 'supervisor', '--data-dir', dataDir], { input: 'longpassword' });
    const serve = await startCli(['serve', '--port', '0', '--data-dir', dataDir, '--log-level', 'warn'], /Switchboard console: (http:\/\/\S+)/);
    stops.push(() => serve.stop('SIGKILL'));
    const url = serve.match[1]!;
    const socket = connect(`${url}${CONSOLE_NAMESPACE}`, { transports: ['websocket'] });
    const res = await new Promise<{ ok: boolean }>((resolve) =>
      socket.emit('call', 'auth.signIn', { username: 'sam', password: 'longpassword' }, resolve)
    );
    socket.disconnect();
    expect(res).toMatchObject({ ok: true, value: { role: 'supervisor' } });
    expect(await serve.stop('SIGTERM')).toBe(0);
    expect(serve.output()).toContain('shutting down');
  });

  it('has its signal handlers in place when it prints the ready line', async () => {
    // A supervisor (systemd, a test) may signal the moment it reads the line. The handlers were
    // installed just after printing it, and on a busy machine the signal came in between: killed by
    // SIGTERM instead of a graceful stop (1 start in 4 under load). Checked in-process, where the
    // order is observable: at the write of the ready line, SIGTERM must already have our handler.
    const before = { term: process.listeners('SIGTERM'), int: process.listeners('SIGINT') };
    const write = process.stdout.write.bind(process.stdout);
    let handlersAtReady: number | null = null;
    const spy = vi.spyOn(process.stdout, 'write').mockImplementation(((chunk: string | Uint8Array, ...rest: never[]) => {
      if (String(chunk).startsWith('Switchboard console:')) handlersAtReady = process.listenerCount('SIGTERM') - before.term.length;
      return write(chunk, ...rest);
    }) as typeof process.stdout.write);
    try {
      const exited = serveCommand.run(['--port', '0', '--data-dir', tempDir(), '--log-level', 'warn']);
      await waitFor('the ready line', () => handlersAtReady !== null);
      expect(handlersAtReady).toBe(1);
      process.emit('SIGTERM', 'SIGTERM');
      expect(await exited).toBe(0);
    } finally {
      spy.mockRestore();
      for (const [signal, kept] of [['SIGTERM', before.term], ['SIGINT', before.int]] as const) {
        for (const listener of process.listeners(signal)) if (!kept.includes(listener)) process.off(signal, listener);
      }
    }
  });

  it('explains an unknown command and an unknown flag', () => {
    const unknown = runCli(['frobnicate']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('Unknown command "frobnicate"');
    const flag = runCli(['serve', '--colour', 'blue']);
    expect(flag.code).toBe(2);
    expect(flag.stderr).toContain("Unknown option '--colour'");
  });
});
