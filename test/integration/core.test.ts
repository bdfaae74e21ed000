import { afterEach, describe, expect, it } from 'vitest';
import { io as connect, type Socket } from 'socket.io-client';
import { CONSOLE_NAMESPACE } from '../../src/shared/contract';
import { startTestCore, type TestCore } from '../helpers/core';

let running: TestCore | undefined;
const sockets: Socket[] = [];
afterEach(async () => {
  sockets.splice(0).forEach((s) => s.disconnect());
  await running?.close();
  running = undefined;
});

const callOver = (socket: Socket, name: string, input: unknown) =>
  new Promise<{ ok: boolean; value?: unknown; error?: { code: string; message: string } }>((resolve) =>
    socket.emit('call', name, input, resolve)
  );

describe('the core', () => {
  it('starts on a free port, serves OpenAPI and answers unknown routes with the shared error shape', async () => {
    running = await startTestCore();
    const { url } = running.core;
    const doc = (await (await fetch(`${url}/api/openapi.json`)).json()) as { openapi: string };
    expect(doc.openapi).toBe('3.1.0');
    const missing = await fetch(`${url}/api/v1/nope`);
    expect(missing.status).toBe(404);
    expect(await missing.json()).toEqual({ error: { code: 'NOT_FOUND', message: expect.stringContaining('/api/v1/nope') } });
  });

  it('lets an operator sign in over the console namespace and refuses calls before sign-in', async () => {
    running = await startTestCore();
    await running.core.operators.add('dana', 'correct horse', 'dispatcher');
    const socket = connect(`${running.core.url}${CONSOLE_NAMESPACE}`, { transports: ['websocket'] });
    sockets.push(socket);
    const before = await callOver(socket, 'system.info', {});
    expect(before).toMatchObject({ ok: false, error: { code: 'UNAUTHENTICATED' } });
    const wrong = await callOver(socket, 'auth.signIn', { username: 'dana', password: 'nope nope' });
    expect(wrong).toMatchObject({ ok: false, error: { code: 'UNAUTHENTICATED' } });
    const signedIn = await callOver(socket, 'auth.signIn', { username: 'dana', password: 'correct horse' });
    expect(signedIn).toMatchObject({ ok: true, value: { username: 'dana', role: 'dispatcher' } });
    const info = await callOver(socket, 'system.info', {});
    expect(info).toMatchObject({ ok: true, value: { name: 'switchboard', transport: 'socket' } });
    const bad = await callOver(socket, 'alerts.list', { limit: 'many' });
    expect(bad).toMatchObject({ ok: false, error: { code: 'VALIDATION_FAILED' } });
  });

  it('closes gracefully and can reopen the same data directory', async () => {
    running = await startTestCore();
    const dataDir = running.dataDir;
    await running.core.operators.add('sam', 'longenough', 'admin');
    await running.close();
    running = await startTestCore({ dataDir });
    expect(await running.core.operators.find('sam')).toEqual({ username: 'sam', role: 'admin' });
  });
});
