import { describe, expect, it } from 'vitest';
import { CONSOLE_HELLO_EVENT, createConsoleLink, type ConsoleHello, type ResyncDetail, type ResyncReason } from '../../../src/shared/contract/consoleLink';

/** The socket side the link listens to: each `hello` is one (re)connection, as the core sends it. */
function fakeSocket() {
  const listeners = new Map<string, Array<(...args: never[]) => void>>();
  return {
    connected: true,
    on: (event: string, listener: (...args: never[]) => void) => listeners.set(event, [...(listeners.get(event) ?? []), listener]),
    timeout: () => ({ emit: () => undefined }),
    hello: (hello: ConsoleHello) => listeners.get(CONSOLE_HELLO_EVENT)?.forEach((l) => (l as (h: ConsoleHello) => void)(hello))
  };
}

function linkWithResyncs() {
  const socket = fakeSocket();
  const link = createConsoleLink(socket, { pingEveryMs: 60_000 });
  const resyncs: Array<[ResyncReason, ResyncDetail]> = [];
  link.onResync((reason, detail) => resyncs.push([reason, detail]));
  return { socket, link, resyncs };
}

describe('why the console reloads its picture after a reconnection', () => {
  it('one core: the same boot id is a lost link, a new one a restart', () => {
    const { socket, link, resyncs } = linkWithResyncs();
    socket.hello({ boot_id: 'a', clock: 1 });
    socket.hello({ boot_id: 'a', clock: 2 });
    socket.hello({ boot_id: 'b', clock: 3 });
    expect(resyncs).toEqual([
      ['reconnect', {}],
      ['restart', {}]
    ]);
    link.close();
  });

  it('a cluster: reconnecting through the load balancer to another node is a move, not a restart, and names the node', () => {
    const { socket, link, resyncs } = linkWithResyncs();
    socket.hello({ boot_id: 'a', node: 'node-1', clock: 1 });
    socket.hello({ boot_id: 'b', node: 'node-2', clock: 2 });
    socket.hello({ boot_id: 'b', node: 'node-2', clock: 3 });
    socket.hello({ boot_id: 'c', node: 'node-2', clock: 4 });
    expect(resyncs).toEqual([
      ['moved', { node: 'node-2' }],
      ['reconnect', { node: 'node-2' }],
      ['restart', { node: 'node-2' }]
    ]);
    link.close();
  });
});
