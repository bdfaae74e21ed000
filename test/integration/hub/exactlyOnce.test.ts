import { queryLog } from '../../helpers/logQuery';
import { io as connectIo, type Socket } from 'socket.io-client';
import WebSocket from 'ws';
import { afterEach, describe, expect, it } from 'vitest';
import { startTestCore, tokenFor, type TestCore } from '../../helpers/core';
import { emitAck, type Ack } from './hubHelpers';

const DEVICE = { sub: 'mon-1', role: 'device' as const, device_id: 'M1', device_type: 'monitor' };
const reading = (eventId: string, seq: number) => ({ event_id: eventId, data_type: 'telemetry', values: { seq } });

let running: TestCore | undefined;
const sockets: Socket[] = [];
afterEach(async () => {
  sockets.splice(0).forEach((s) => s.disconnect());
  await running?.close();
  running = undefined;
});

async function connect(core: TestCore['core'], identity = DEVICE, options: { reconnection?: boolean } = {}): Promise<Socket> {
  const socket = connectIo(core.url, { transports: ['websocket'], auth: { token: await tokenFor(core, identity) }, reconnection: options.reconnection ?? false, forceNew: true });
  sockets.push(socket);
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', () => resolve());
    socket.once('connect_error', reject);
  });
  return socket;
}

const rowsWith = async (t: TestCore, marker: string) =>
  (await queryLog<{ n: number }>(t.core, `SELECT count(*) AS n FROM socket_logs WHERE event_data LIKE ?`, `%"seq":${marker}%`))[0]!.n;

const flush = (t: TestCore) => (t.core.services as { log?: { flush(): Promise<void> } }).log?.flush();

describe('client event ids: every event counts once', () => {
  it('answers a resend with the original row id and writes nothing, whether the original is in flight, committed, or from before a restart', async () => {
    running = await startTestCore({ logLevel: 'warn' });
    const dataDir = running.dataDir;
    let device = await connect(running.core);

    // Sent twice back to back: the second arrives while the first is still being committed.
    const [first, inFlightResend] = await Promise.all([emitAck(device, 'device_data', reading('ev-1', 1)), emitAck(device, 'device_data', reading('ev-1', 1))]);
    expect(first).toMatchObject({ ok: true, id: expect.any(Number) });
    expect(first).not.toHaveProperty('duplicate');
    expect(inFlightResend).toEqual({ ok: true, id: (first as { id: number }).id, duplicate: true });

    // Sent again after the ack was lost: answered from memory.
    expect(await emitAck(device, 'device_data', reading('ev-1', 1))).toEqual({ ok: true, id: (first as { id: number }).id, duplicate: true });

    // Another device may use the same id: ids are per identity.
    const other = await connect(running.core, { ...DEVICE, sub: 'mon-2', device_id: 'M2' });
    const theirs = await emitAck(other, 'device_data', reading('ev-1', 2));
    expect(theirs).toMatchObject({ ok: true });
    expect((theirs as { id: number }).id).not.toBe((first as { id: number }).id);

    // An id the hub cannot use is refused with a clear code rather than silently ignored.
    expect(await emitAck(device, 'device_data', { ...reading('x', 3), event_id: 17 })).toMatchObject({ ok: false, error: { code: 'VALIDATION_FAILED', message: expect.stringContaining('event_id') } });

    await flush(running);
    expect(await rowsWith(running, '1')).toBe(1);

    // Across a restart the in-memory map is gone: the log's own table answers.
    await running.close();
    running = await startTestCore({ logLevel: 'warn', dataDir });
    device = await connect(running.core);
    expect(await emitAck(device, 'device_data', reading('ev-1', 1))).toEqual({ ok: true, id: (first as { id: number }).id, duplicate: true });
    const fresh = await emitAck(device, 'device_data', reading('ev-2', 4));
    expect(fresh).toMatchObject({ ok: true });
    expect((fresh as { id: number }).id).toBeGreaterThan((theirs as { id: number }).id);
    await flush(running);
    expect(await rowsWith(running, '1')).toBe(1);
    const table = await queryLog(running.core, 'SELECT owner, event_id, log_id FROM client_event_ids ORDER BY log_id');
    expect(table).toEqual([
      { owner: 'device:mon-1', event_id: 'ev-1', log_id: (first as { id: number }).id },
      { owner: 'device:mon-2', event_id: 'ev-1', log_id: (theirs as { id: number }).id },
      { owner: 'device:mon-1', event_id: 'ev-2', log_id: (fresh as { id: number }).id }
    ]);
  });
});

describe('planned shutdown: clients are told it is a restart', () => {
  it('answers every event taken, refuses new ones RESTARTING, and closes Socket.IO with a transport close and WebSocket with 1012', async () => {
    running = await startTestCore({ logLevel: 'warn' });
    const { core } = running;
    const device = await connect(core, DEVICE, { reconnection: true });
    const restarting = new Promise<unknown>((resolve) => device.once('hub.restarting', resolve));
    const reason = new Promise<string>((resolve) => device.once('disconnect', resolve));
    const ws = new WebSocket(`${core.url.replace('http', 'ws')}/realtime/ws?token=${await tokenFor(core, { ...DEVICE, sub: 'mon-ws', device_id: 'MW' })}`);
    await new Promise((resolve) => ws.once('open', resolve));
    const wsClose = new Promise<number>((resolve) => ws.once('close', (code) => resolve(code)));

    // Events in flight as the close starts: each gets its committed ack (or, sent after, RESTARTING).
    const acks: Array<Promise<Ack | null>> = [];
    for (let n = 0; n < 40; n++) acks.push(emitAck(device, 'device_data', reading(`s-${n}`, 100 + n), 10_000).catch(() => null));
    await acks[0]; // the hub is taking them now
    const closing = core.close();
    for (let n = 40; n < 60; n++) acks.push(emitAck(device, 'device_data', reading(`s-${n}`, 100 + n), 10_000).catch(() => null));
    await closing;
    running = undefined;
    const answers = await Promise.all(acks);
    const codes = answers.map((a) => (a === null ? 'none' : a.ok ? 'ok' : a.error.code));
    expect(codes.slice(0, 40).filter((c) => c !== "ok" && c !== "RESTARTING")).toEqual([]);
    expect(codes.filter((c) => c === 'none'), 'events that were never answered').toEqual([]);
    expect(codes).toContain('ok');
    expect(await restarting).toMatchObject({ retry_after_ms: expect.any(Number), last_id: expect.any(Number) });
    expect(await reason).toBe('transport close'); // socket.io-client reconnects after this, unlike "io server disconnect"
    expect(await wsClose).toBe(1012);
    device.disconnect();
    ws.terminate();
  });
});
