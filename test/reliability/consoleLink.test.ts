import { io, type Socket } from 'socket.io-client';
import { afterEach, describe, expect, it } from 'vitest';
import { createConsoleLink, type ConsoleLink, type LinkState, type ResyncReason } from '../../src/shared/contract/consoleLink';
import type { Result } from '../../src/shared/result';
import { addOperator, startServe, type ServeProcess } from '../helpers/reliability/serve';
import { waitFor } from '../helpers/waitFor';

/**
 * The console's link to a real `switchboard serve` process, through the same
 * code the browser console runs (shared/contract/consoleLink.ts): a frozen
 * server (SIGSTOP) and a killed one (kill -9) must never end with an action
 * the dispatcher was told had failed, or was never sent, being applied later.
 */

const PASSWORD = 'a long enough password';
const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function serve(dataDir?: string, port?: number): Promise<ServeProcess> {
  const server = await startServe({ dataDir, args: port ? ['--port', String(port)] : [] });
  cleanups.push(async () => {
    try {
      process.kill(server.pid, 'SIGCONT');
    } catch {
      // already gone
    }
    await server.stop();
  });
  return server;
}

/** A console link signed in as an admin, with short budgets so the story takes seconds. */
async function consoleFor(server: ServeProcess): Promise<{ link: ConsoleLink; socket: Socket; states: LinkState[]; resyncs: ResyncReason[] }> {
  let token: string | null = null;
  const socket = io(`${server.url}/console`, {
    transports: ['websocket'],
    reconnectionDelay: 100,
    reconnectionDelayMax: 300,
    auth: (cb) => cb(token ? { token } : {})
  });
  const link = createConsoleLink(socket, { callBudgetMs: 3_000, guardMs: 1_000, pingEveryMs: 300, silentAfterMs: 1_200 });
  const states: LinkState[] = [];
  const resyncs: ResyncReason[] = [];
  link.onState((s) => states.push(s));
  link.onResync((r) => resyncs.push(r));
  cleanups.push(() => {
    link.close();
    socket.disconnect();
  });
  await waitFor('the link to come up', () => link.state() === 'up');
  const signIn = (await link.call('auth.signIn', { username: 'ada', password: PASSWORD })) as Result<{ token: string }>;
  if (!signIn.ok) throw new Error(signIn.error.message);
  token = signIn.value.token;
  return { link, socket, states, resyncs };
}

const pendingInOutbox = async (link: ConsoleLink) => {
  const health = (await link.call('bridge.health', {})) as Result<{ bridge: { outbox: { pending: number } } }>;
  if (!health.ok) throw new Error(health.error.message);
  return health.value.bridge.outbox.pending;
};

const broadcast = (link: ConsoleLink, n: number) => link.call('bridge.broadcastMetrics', { metrics: { n } });

describe('the console link against a real serve', () => {
  it('a frozen server (SIGSTOP): the call is reported unknown, the link goes silent and refuses, and the late call is not applied on resume', async () => {
    const server = await serve();
    addOperator(server.dataDir, 'ada', 'admin', PASSWORD);
    const { link, states } = await consoleFor(server);
    // No CAD is configured, so every queued action stays in the outbox where the test can count it.
    expect(await pendingInOutbox(link)).toBe(0);

    process.kill(server.pid, 'SIGSTOP');
    const started = Date.now();
    const late = await broadcast(link, 1); // the link still looks up: the packet sits in the frozen server's socket buffer
    expect(late.ok).toBe(false);
    expect(late.ok ? null : late.error.code).toBe('OUTCOME_UNKNOWN');
    expect(late.ok ? '' : late.error.message).toMatch(/^Unknown — check before repeating/);
    expect(Date.now() - started).toBeGreaterThanOrEqual(2_900);

    await waitFor('the link to be marked silent', () => link.state() === 'silent');
    const refused = await broadcast(link, 2);
    expect(refused.ok ? null : refused.error).toEqual({ code: 'OFFLINE', message: expect.stringMatching(/^NOT sent: the core has stopped answering/) });

    process.kill(server.pid, 'SIGCONT');
    await waitFor('the link to be up again after the server resumed', () => link.state() === 'up');
    await waitFor('the server to say it refused the late call', () => /refused a console call that arrived after its deadline/.test(server.output()));
    expect(await pendingInOutbox(link)).toBe(0);
    expect(states).toContain('silent');

    // The same action on a live link is applied: the refusal above was the deadline, not a broken action.
    const live = await broadcast(link, 3);
    expect(live.ok).toBe(true);
    expect(await pendingInOutbox(link)).toBe(1);
  });

  it('a killed server (kill -9): a call is refused at once, never buffered, and nothing is applied when the server is back', async () => {
    const first = await serve();
    addOperator(first.dataDir, 'ada', 'admin', PASSWORD);
    const { link, socket, resyncs } = await consoleFor(first);
    await first.kill9();
    await waitFor('the link to be down', () => link.state() === 'down');

    const refused = await broadcast(link, 1);
    expect(refused.ok ? null : refused.error.code).toBe('OFFLINE');
    expect(refused.ok ? '' : refused.error.message).toMatch(/NOT sent/);
    // Not in socket.io-client's replay buffer either: nothing will go out on reconnect.
    expect(socket.sendBuffer).toEqual([]);

    await serve(first.dataDir, first.port);
    await waitFor('the link to reconnect to the restarted server', () => link.state() === 'up');
    // A new boot id: the console knows its picture belongs to the old process.
    expect(resyncs).toEqual(['restart']);
    // The kept token signed the new connection in: the first action now works, and it is the only one the server has.
    expect((await broadcast(link, 99)).ok).toBe(true);
    expect(await pendingInOutbox(link)).toBe(1);
  });

  it('a graceful stop: the console hears "stopping" and refuses calls before the server goes away', async () => {
    const server = await serve();
    addOperator(server.dataDir, 'ada', 'admin', PASSWORD);
    const { link, states } = await consoleFor(server);
    const stopped = server.stop();
    await waitFor('the link to report the server stopping or gone', () => link.state() === 'stopping' || link.state() === 'down');
    const refused = await broadcast(link, 1);
    expect(refused.ok ? null : refused.error.code).toBe('OFFLINE');
    await stopped;
    expect(states).toContain('stopping');
  });
});
