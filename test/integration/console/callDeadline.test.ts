import { io, type Socket } from 'socket.io-client';
import { afterEach, describe, expect, it } from 'vitest';
import { CONSOLE_NAMESPACE } from '../../../src/shared/contract';
import { createConsoleLink, type ConsoleHello } from '../../../src/shared/contract/consoleLink';
import { startTestCore, type TestCore } from '../../helpers/core';
import { waitFor } from '../../helpers/waitFor';

/**
 * The /console namespace's half of "never apply a call the console gave up
 * on": every socket is greeted with the core's boot id and clock, and a call
 * whose deadline (in that clock) has passed is refused with EXPIRED before it
 * reaches any handler. Calls without a deadline (older clients, tools) still work.
 */

let running: TestCore | null = null;
const sockets: Socket[] = [];
afterEach(async () => {
  sockets.splice(0).forEach((s) => s.disconnect());
  await running?.close();
  running = null;
});

async function connect(core: TestCore): Promise<{ socket: Socket; hello: ConsoleHello }> {
  const socket = io(`${core.core.url}${CONSOLE_NAMESPACE}`, { transports: ['websocket'], reconnection: false });
  sockets.push(socket);
  const hello = await new Promise<ConsoleHello>((resolve) => socket.once('hello', resolve));
  return { socket, hello };
}

describe('console call deadlines', () => {
  it('greets each console with the boot id that system.info reports, and a clock that moves', async () => {
    running = await startTestCore();
    const { socket, hello } = await connect(running);
    const info = await socket.emitWithAck('call', 'system.info', {});
    expect(info).toMatchObject({ ok: false, error: { code: 'UNAUTHENTICATED' } });
    expect(hello.boot_id).toBe(running.core.bootId);
    const clock = (await socket.timeout(5_000).emitWithAck('clock')) as ConsoleHello;
    expect(clock.boot_id).toBe(hello.boot_id);
    expect(clock.clock).toBeGreaterThan(hello.clock);
  });

  it('refuses a call whose deadline has passed, before any handler runs, and answers one still in time', async () => {
    running = await startTestCore();
    const { socket, hello } = await connect(running);
    const late = await socket.emitWithAck('call', 'system.info', {}, { deadline: hello.clock - 1 });
    expect(late).toEqual({ ok: false, error: { code: 'EXPIRED', message: expect.stringContaining('not applied') } });
    // The same call in time goes on to the contract (which wants a signed-in operator: a different answer).
    const inTime = await socket.emitWithAck('call', 'system.info', {}, { deadline: hello.clock + 60_000 });
    expect(inTime).toMatchObject({ ok: false, error: { code: 'UNAUTHENTICATED' } });
    // Without a deadline (the older three-argument form) the call is served as before.
    const legacy = await socket.emitWithAck('call', 'system.info', {});
    expect(legacy).toMatchObject({ ok: false, error: { code: 'UNAUTHENTICATED' } });
  });

  it('the shared link refuses at once while not yet greeted, then sends with a deadline', async () => {
    running = await startTestCore();
    const socket = io(`${running.core.url}${CONSOLE_NAMESPACE}`, { transports: ['websocket'], reconnection: false, autoConnect: false });
    sockets.push(socket);
    const link = createConsoleLink(socket, { callBudgetMs: 5_000 });
    const early = await link.call('system.info', {});
    expect(early).toMatchObject({ ok: false, error: { code: 'OFFLINE', message: expect.stringContaining('NOT sent') } });
    socket.connect();
    await waitFor('the link to be greeted', () => link.state() === 'up');
    expect(await link.call('system.info', {})).toMatchObject({ ok: false, error: { code: 'UNAUTHENTICATED' } });
    link.close();
  });
});
