import { afterAll, describe, expect, it } from 'vitest';
import { tempDir } from '../helpers/core';
import { sleep, waitFor } from '../helpers/reliability/clients';
import { startIdLoad } from '../helpers/reliability/idLoad';
import { checkLog } from '../helpers/reliability/logCheck';
import { jwtSecretOf, startServe, type ServeProcess } from '../helpers/reliability/serve';

const CLIENTS = 100;
const RATE_PER_CLIENT = 15; // well under the hub's 50/s per connection
const STALL_MS = 10_000;

let serve: ServeProcess | undefined;
afterAll(async () => {
  if (serve) process.kill(serve.pid, 'SIGCONT');
  await serve?.stop();
});

describe('stall: the server frozen (SIGSTOP) for 10 s while 100 devices keep sending', () => {
  it('disconnects no device: their backlog is caught up, every event acked or refused with a retryable code, then acked on resend', async () => {
    const dataDir = tempDir('switchboard-stall-');
    serve = await startServe({ dataDir });
    const load = await startIdLoad({ url: serve.url, secret: jwtSecretOf(dataDir), clients: CLIENTS, ratePerClient: RATE_PER_CLIENT, tag: 'st' });
    await waitFor('every device to be acked before the stall', () => load.acked.size >= CLIENTS * 5, 60_000);

    process.kill(serve.pid, 'SIGSTOP');
    const stalledAt = load.sent;
    await sleep(STALL_MS); // the fault itself: the devices keep sending into a frozen server
    const backlog = load.sent - stalledAt;
    process.kill(serve.pid, 'SIGCONT');
    const resumedAcked = load.acked.size;
    await waitFor('the hub to work through the backlog (acks after the resume)', () => load.acked.size >= resumedAcked + backlog / 2, 120_000);
    await load.stop();
    await load.resendOutstanding(serve.url);
    load.close();

    const acked = new Map<number, string>();
    for (const [marker, id] of load.acked) acked.set(id, marker);
    const check = await checkLog(dataDir, acked);
    const retryable = Object.fromEntries(load.retryable);
    console.log(
      `[stall] ${CLIENTS} devices x ${RATE_PER_CLIENT}/s, server stopped ${STALL_MS} ms with ${backlog} events sent into it; ` +
        `disconnects ${load.disconnects}; answers during and after: retryable ${JSON.stringify(retryable)}, refused for good ${load.refused.size}, ` +
        `unanswered ${load.unanswered}; after resends: ${load.acked.size} events acked, ${load.outstanding().length} outstanding, ` +
        `${load.duplicates} resends answered with the original id; ${check.missing.length} acked events missing from the log`
    );
    expect(backlog, 'events were sent during the stall').toBeGreaterThan(CLIENTS * RATE_PER_CLIENT * 5);
    expect(load.disconnects, 'devices the server disconnected').toBe(0);
    expect(load.unanswered, 'events whose connection went before an answer').toBe(0);
    expect([...load.refused.entries()], 'events refused with a code that is not retryable').toEqual([]);
    expect(load.outstanding(), 'events still not acked after resends').toEqual([]);
    expect(load.conflicting).toEqual([]);
    expect(check.missing).toEqual([]);
    expect(check.mismatched).toEqual([]);
    expect(serve.output()).not.toMatch(/disconnecting a flooding client/);
  });
});
