import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { io as connect } from 'socket.io-client';
import { CONSOLE_NAMESPACE } from '../../src/shared/contract';
import { runCli, startCli } from '../helpers/cli';
import { tempDir } from '../helpers/core';

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

  it('explains an unknown command and an unknown flag', () => {
    const unknown = runCli(['frobnicate']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('Unknown command "frobnicate"');
    const flag = runCli(['serve', '--colour', 'blue']);
    expect(flag.code).toBe(2);
    expect(flag.stderr).toContain("Unknown option '--colour'");
  });
});
