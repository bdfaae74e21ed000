import { queryLog } from '../../helpers/logQuery';
import { afterEach, describe, expect, it } from 'vitest';
import { io as connectIo, type Socket } from 'socket.io-client';
import WebSocket from 'ws';
import { startTestCore, tokenFor, type TestCore } from '../../helpers/core';
import { waitFor } from '../../helpers/waitFor';
import type { Identity } from '../../../src/shared/roles';

let running: TestCore | undefined;
const closers: Array<() => void> = [];
afterEach(async () => {
  for (const close of closers.splice(0)) close();
  await running?.close();
  running = undefined;
});

const start = (trustProxy: boolean, maxConnectionsPerAddress = 1000) =>
  startTestCore({ logLevel: 'warn', security: { trustProxy, maxConnectionsPerAddress } });

/** A Socket.IO device connecting through a proxy that says it forwards for `forwardedFor`. */
function socketFrom(core: TestCore, token: string, forwardedFor: string): Promise<{ socket: Socket; error?: Error & { data?: { code: string } } }> {
  const socket = connectIo(core.core.url, { transports: ['websocket'], auth: { token }, extraHeaders: { 'x-forwarded-for': forwardedFor }, reconnection: false, forceNew: true });
  closers.push(() => socket.close());
  return new Promise((resolve) => {
    socket.once('connect', () => resolve({ socket }));
    socket.once('connect_error', (error) => resolve({ socket, error }));
  });
}

function wsFrom(core: TestCore, token: string, forwardedFor: string): Promise<WebSocket> {
  const ws = new WebSocket(`${core.core.url.replace('http', 'ws')}/realtime/ws?token=${token}`, { headers: { 'x-forwarded-for': forwardedFor } });
  closers.push(() => ws.terminate());
  return new Promise((resolve, reject) => {
    ws.once('open', () => resolve(ws));
    ws.once('error', reject);
  });
}

async function sseFrom(core: TestCore, token: string, forwardedFor: string): Promise<Response> {
  const controller = new AbortController();
  closers.push(() => controller.abort());
  return fetch(`${core.core.url}/realtime/events`, { headers: { authorization: `Bearer ${token}`, 'x-forwarded-for': forwardedFor }, signal: controller.signal });
}

const addressesOf = (core: TestCore, sub: string) =>
  [...core.core.services.hub.hub.registry.all()].filter((c) => c.identity.sub === sub).map((c) => `${c.transport} ${c.ip}`).sort();

const crew = (n: number): Identity => ({ sub: `crew-${n}`, role: 'crew', unit_id: `U${n}` });

describe('client addresses behind a trusted proxy (--trust-proxy)', () => {
  it('takes the address every transport logs and limits by from X-Forwarded-For, as HTTP routes do', async () => {
    running = await start(true);
    const core = running;
    const token = await tokenFor(core.core, crew(1));
    const { error } = await socketFrom(core, token, '203.0.113.7, 10.0.0.2');
    expect(error).toBeUndefined();
    await wsFrom(core, token, '203.0.113.7');
    const sse = await sseFrom(core, token, '203.0.113.7');
    expect(sse.status).toBe(200);
    await waitFor('three connections of crew-1 registered', () => addressesOf(core, 'crew-1').length === 3);
    expect(addressesOf(core, 'crew-1')).toEqual(['socketio 203.0.113.7', 'sse 203.0.113.7', 'websocket 203.0.113.7']);

    // A refusal is logged under the forwarded address too.
    const refused = await socketFrom(core, 'not-a-token', '198.51.100.9');
    expect(refused.error?.data?.code).toBe('TOKEN_INVALID');
    core.core.services.hub.hub.flushRefusals();
    await core.core.services.log.flush();
    const [row] = await queryLog<{ ip_address: string }>(core.core, "SELECT ip_address FROM socket_logs WHERE event_type = 'connect' AND status = 'failed' ORDER BY id DESC LIMIT 1");
    expect(row?.ip_address).toBe('198.51.100.9');
  });

  it('caps connections per forwarded address, not per proxy: one device address is refused past the cap, another still connects', async () => {
    running = await start(true, 2);
    const core = running;
    const token = await tokenFor(core.core, crew(2));
    expect((await socketFrom(core, token, '203.0.113.20')).error).toBeUndefined();
    await wsFrom(core, token, '203.0.113.20');
    await waitFor('two connections from 203.0.113.20', () => addressesOf(core, 'crew-2').length === 2);
    const third = await socketFrom(core, token, '203.0.113.20');
    expect(third.error?.data?.code).toBe('RATE_LIMITED');
    expect(third.error?.message).toMatch(/Too many open connections from 203\.0\.113\.20 \(at most 2\)/);
    const sse = await sseFrom(core, token, '203.0.113.20');
    expect(sse.status).toBe(429);
    // Every connection so far came through one TCP peer (127.0.0.1): the cap counts devices behind it.
    expect((await socketFrom(core, token, '203.0.113.21')).error).toBeUndefined();
  });

  it('ignores X-Forwarded-For when the proxy is not trusted: a client cannot choose the address it is logged under', async () => {
    running = await start(false);
    const core = running;
    const token = await tokenFor(core.core, crew(3));
    expect((await socketFrom(core, token, '203.0.113.7')).error).toBeUndefined();
    await wsFrom(core, token, '203.0.113.7');
    await waitFor('two connections of crew-3 registered', () => addressesOf(core, 'crew-3').length === 2);
    expect(addressesOf(core, 'crew-3')).toEqual(['socketio 127.0.0.1', 'websocket 127.0.0.1']);
  });
});
