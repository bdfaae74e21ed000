import { io as connect, type Socket } from 'socket.io-client';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { CONSOLE_NAMESPACE } from '../../../src/shared/contract';
import type { Result } from '../../../src/shared/result';
import { startTestCore, type TestCore } from '../../helpers/core';
import type { Core } from '../../../src/main/core/createCore';
import type { ConsoleIpc } from '../../../src/main/ipc/consoleIpc';
import { ipcOver as realIpcOver, type FakeConsoleContents, type FakeIpcMain } from './ipcHarness';
import { waitFor } from '../../helpers/waitFor';

/**
 * The same console, reached two ways: Electron IPC (the guarded registrar
 * with a fake ipcMain) and the browser's `/console` Socket.IO namespace (a
 * real socket.io-client on loopback). The same calls must give the same
 * answers and the same pushed events must arrive.
 */

let running: TestCore;
const sockets: Socket[] = [];
// One core for the file (operator passwords are scrypt-hashed: slow on purpose);
// each test registers its own IPC transport over it and disposes it after.
beforeAll(async () => {
  running = await startTestCore({ logLevel: 'warn' });
  await running.core.operators.add('dana', 'correct horse', 'dispatcher');
  await running.core.operators.add('audrey', 'audit trail', 'auditor');
});
afterEach(() => {
  sockets.splice(0).forEach((socket) => socket.disconnect());
  for (const ipc of registered.splice(0)) ipc.dispose();
});
afterAll(async () => {
  await running.close();
});

const registered: ConsoleIpc[] = [];
/** The registrar over the shared core, disposed after the test. */
const ipcOver = (core: Core) => {
  const transport = realIpcOver(core);
  registered.push(transport.ipc);
  return transport;
};

interface Transport {
  name: 'ipc' | 'socket';
  call(method: unknown, input?: unknown): Promise<Result<unknown>>;
  /** Events received so far, as [name, payload] after crossing the transport. */
  received: Array<[string, unknown]>;
}

function viaIpc(ipcMain: FakeIpcMain, contents: FakeConsoleContents): Transport {
  return {
    name: 'ipc',
    call: (method, input = {}) => ipcMain.call(contents, method, input),
    // IPC structured-clones payloads; for contract payloads (plain JSON data) that equals a JSON round trip.
    get received() {
      return contents.pushed().map(([name, payload]) => [name, JSON.parse(JSON.stringify(payload))] as [string, unknown]);
    },
  };
}

async function viaSocket(url: string): Promise<Transport> {
  const socket = connect(`${url}${CONSOLE_NAMESPACE}`, { transports: ['websocket'], reconnection: false });
  sockets.push(socket);
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('connect_error', reject);
  });
  const received: Array<[string, unknown]> = [];
  socket.on('event', (name: string, payload: unknown) => {
    received.push([name, payload]);
  });
  return {
    name: 'socket',
    call: (method, input = {}) => new Promise((resolve) => socket.emit('call', method, input, resolve)),
    received
  };
}

const PROVOKED_AT = '2026-01-01T00:00:00.000Z';
/** An event this test caused, as opposed to one of the core's periodic pushes. */
const provoked = ([name, payload]: [string, unknown]) =>
  name.startsWith('alert.') || (name === 'system.heartbeat' && (payload as { at?: string }).at === PROVOKED_AT);

/** Strips what legitimately differs per transport: fresh tokens, their expiry, the transport's own name. */
function comparable(result: Result<unknown>): unknown {
  return JSON.parse(
    JSON.stringify(result, (key, value: unknown) => {
      if (key === 'token' || key === 'expires_at') return typeof value === 'string' && value.length > 0 ? '<present>' : value;
      if (key === 'transport') return '<transport>';
      return value;
    })
  );
}

const CALLS: Array<[string, unknown]> = [
  ['system.info', {}],
  ['auth.signIn', { username: 'dana', password: 'wrong' }],
  ['auth.signIn', { username: '', password: 42 }],
  ['no.such.method', {}],
  ['auth.signIn', { username: 'dana', password: 'correct horse' }],
  ['system.info', {}],
  ['system.info', { extra: true }],
  ['alerts.list', { limit: 'many' }],
  ['alerts.list', {}],
  ['alerts.acknowledge', { id: 'no-such-alert' }],
  ['alerts.displayed', { id: 'no-such-alert' }],
  ['auth.signOut', {}],
  ['alerts.list', {}]
];

describe('IPC and the /console namespace carry the same contract', () => {
  it('give the same answers to the same call sequence', async () => {
    const { ipcMain, window } = ipcOver(running.core);
    const transports = [viaIpc(ipcMain, window()), await viaSocket(running.core.url)];
    const answers: Record<string, unknown[]> = { ipc: [], socket: [] };
    for (const transport of transports) {
      for (const [method, input] of CALLS) answers[transport.name]!.push(comparable(await transport.call(method, input)));
    }
    expect(answers.ipc).toEqual(answers.socket);
    // And the sequence really exercised both success and every kind of refusal.
    const codes = (answers.ipc as Array<{ ok: boolean; error?: { code: string } }>).map((a) => (a.ok ? 'ok' : a.error!.code));
    expect(codes).toEqual([
      'UNAUTHENTICATED',
      'UNAUTHENTICATED',
      'VALIDATION_FAILED',
      'UNKNOWN_METHOD',
      'ok',
      'ok',
      'VALIDATION_FAILED',
      'VALIDATION_FAILED',
      'ok',
      'NOT_FOUND',
      'ok',
      'ok',
      'UNAUTHENTICATED'
    ]);
    const info = await transports[0]!.call('system.info');
    expect(info).toMatchObject({ ok: false });
  });

  it('deliver the same pushed events, filtered by role the same way', async () => {
    const { ipcMain, window } = ipcOver(running.core);
    const dispatcher = [viaIpc(ipcMain, window()), await viaSocket(running.core.url)];
    const auditor = [viaIpc(ipcMain, window()), await viaSocket(running.core.url)];
    for (const transport of dispatcher) {
      expect(await transport.call('auth.signIn', { username: 'dana', password: 'correct horse' })).toMatchObject({ ok: true });
    }
    for (const transport of auditor) {
      expect(await transport.call('auth.signIn', { username: 'audrey', password: 'audit trail' })).toMatchObject({ ok: true });
    }

    const alert = running.core.alerts.raise({
      key: 'hospital:h7:diversion',
      kind: 'hospital',
      severity: 'critical',
      title: 'St Mary on diversion',
      message: 'St Mary ED is on diversion: route ambulances elsewhere.',
      source: 'test',
      hospitalId: 'h7'
    });
    const acknowledged = await dispatcher[1]!.call('alerts.acknowledge', { id: alert.id });
    expect(acknowledged).toMatchObject({ ok: true, value: { acknowledged_by: 'dana' } });
    running.core.bus.publish('system.heartbeat', { at: PROVOKED_AT, connections: 4 });

    // The core's own periodic pushes (statistics, heartbeats) arrive whenever their timers
    // fire, which a busy machine moves around: compare what this test provoked.
    await waitFor('three provoked events on each dispatcher transport', () => dispatcher.every((t) => t.received.filter(provoked).length >= 3));
    await waitFor('the provoked heartbeat on each auditor transport', () => auditor.every((t) => t.received.filter(provoked).length >= 1));
    const [ipcDispatcher, socketDispatcher] = dispatcher.map((t) => t.received.filter(provoked));
    expect(ipcDispatcher).toEqual(socketDispatcher);
    expect(ipcDispatcher!.map(([name]) => name)).toEqual(['alert.raised', 'alert.updated', 'system.heartbeat']);
    expect(ipcDispatcher![1]![1]).toMatchObject({ id: alert.id, acknowledged_by: 'dana' });
    // The auditor's heartbeat arrived last on its socket, so nothing else is in flight for it.
    const [ipcAuditor, socketAuditor] = auditor.map((t) => t.received.filter(provoked));
    expect(ipcAuditor).toEqual(socketAuditor);
    expect(ipcAuditor).toEqual([['system.heartbeat', { at: PROVOKED_AT, connections: 4 }]]);
  });

  it('stop pushing after sign-out on both', async () => {
    const { ipcMain, window } = ipcOver(running.core);
    const transports = [viaIpc(ipcMain, window()), await viaSocket(running.core.url)];
    for (const transport of transports) {
      await transport.call('auth.signIn', { username: 'dana', password: 'correct horse' });
    }
    running.core.bus.publish('system.heartbeat', { at: PROVOKED_AT, connections: 3 });
    await waitFor('the provoked heartbeat on both', () => transports.every((t) => t.received.some(provoked)));
    const pushedBefore: number[] = [];
    for (const transport of transports) {
      await transport.call('auth.signOut', {});
      pushedBefore.push(transport.received.length);
    }
    running.core.bus.publish('system.heartbeat', { at: PROVOKED_AT, connections: 3 });
    // A socket delivers in order: once a later call's answer is back, an event
    // published before it would already have arrived. Nothing may arrive after sign-out.
    for (const transport of transports) expect(await transport.call('system.info')).toMatchObject({ ok: false });
    expect(transports.map((t, k) => t.received.slice(pushedBefore[k]))).toEqual([[], []]);
  });
});
