import { spawn } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import { STATE_DEADLINE_MS, waitFor } from '../../helpers/waitFor';
import { startHaproxy, type TestHaproxy } from '../../helpers/cluster';
import { joinClusterOf, TEST_MODE } from '../../helpers/testMode';
import { startTestCore, tempDir, type TestCore } from '../../helpers/core';
import type { Core } from '../../../src/main/core/createCore';
import type { HubConn } from '../../../src/main/core/hub/registry';
import { io as connectIo, type Socket } from 'socket.io-client';
import { emitAck, startHubHarness, type HubHarness } from './hubHelpers';

/** Debian's python3 with python3-socketio and python3-websockets (npm test installs them first). */
const PYTHON = '/usr/bin/python3';

let h: HubHarness | undefined;
const monitors: Socket[] = [];
let sibling: TestCore | undefined;
let balancer: TestHaproxy | undefined;
afterEach(async () => {
  monitors.splice(0).forEach((m) => m.close());
  await balancer?.stop();
  balancer = undefined;
  await sibling?.close();
  sibling = undefined;
  await h?.close();
  h = undefined;
});

/**
 * Where the Python clients connect: the node itself, or in cluster mode HAProxy with
 * the reference configuration in front of two nodes, as in a centre.
 */
async function entryUrl(harness: HubHarness): Promise<string> {
  if (TEST_MODE !== 'cluster') return harness.url;
  const dataDir = tempDir();
  joinClusterOf(harness.running.dataDir, dataDir, 'python-interop-node-2');
  sibling = await startTestCore({ dataDir, logLevel: 'warn' });
  const port = (url: string) => Number(new URL(url).port);
  balancer = await startHaproxy([
    { name: 'node-1', port: port(harness.url) },
    { name: 'node-2', port: port(sibling.core.url) }
  ]);
  return balancer.url;
}

/** The nodes in play: the harness's, and in cluster mode the second one behind the balancer. */
const nodes = (harness: HubHarness): Core[] => [harness.running.core, ...(sibling ? [sibling.core] : [])];

/**
 * The node holding the Python client, and the one to send from: the other node when there
 * are two, so what the client receives crossed the cluster.
 */
async function clientNode(harness: HubHarness, what: string, holds: (c: HubConn) => boolean) {
  const holder = await waitFor(what, () => nodes(harness).find((core) => [...core.services.hub.hub.registry.all()].some(holds)));
  const sender = nodes(harness).find((core) => core !== holder) ?? holder;
  return { holder, sender };
}

/** The room-alert protocol's manual test client, verbatim apart from the token in the URL. */
const ROOM_ALERT_CLIENT = `
import json, sys
from socketio import Client

sio = Client()

@sio.on('patient_alert')
def on_message(data):
    print(json.dumps({'alert': data}), flush=True)
    sio.disconnect()

sio.connect(sys.argv[1] + '?user_id=user1&user_role=doctor&token=' + sys.argv[2])
sio.emit('join_room', {'room': 'patient_P123'})
sio.wait()
`;

/** The device-stream protocol's Python WebSocket client, with the URI and token from argv. */
const DEVICE_STREAM_CLIENT = `
import asyncio, json, sys
import websockets

async def patient_monitor():
    uri = f'{sys.argv[1]}/realtime/ws/patient/P123?token={sys.argv[2]}'
    async with websockets.connect(uri) as websocket:
        async for message in websocket:
            data = json.loads(message)
            if data['type'] == 'vitals_update':
                print(json.dumps({'vitals': data['data']}), flush=True)
                return
            elif data['type'] == 'patient_alert':
                print(json.dumps({'alert': data['data']}), flush=True)
            elif data['type'] == 'ping':
                await websocket.send(json.dumps({'type': 'pong'}))

asyncio.run(asyncio.wait_for(patient_monitor(), 20))
`;

function runPython(script: string, args: string[]) {
  const child = spawn(PYTHON, ['-c', script, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr.on('data', (c: Buffer) => (err += c.toString()));
  // A client that never hears its event must fail the test, not hang it.
  const killer = setTimeout(() => child.kill('SIGKILL'), STATE_DEADLINE_MS);
  const done = new Promise<{ code: number | null; out: string; err: string }>((resolve) =>
    child.on('close', (code) => {
      clearTimeout(killer);
      resolve({ code, out, err });
    })
  );
  return { child, done };
}

describe('interoperability with the seeds’ Python clients', () => {
  it('serves the room-alert protocol’s python-socketio client: query-string connect, join_room by old name, patient_alert handler', async () => {
    h = await startHubHarness();
    const token = await h.token({ sub: 'user1', role: 'dispatcher' });
    const py = runPython(ROOM_ALERT_CLIENT, [await entryUrl(h), token]);
    const { sender } = await clientNode(h, 'the python client to join patient_P123', (c) => c.identity.sub === 'user1' && c.rooms.has('patient:P123'));
    sender.services.hub.emitters.patientAlert('P123', 'critical', { message: 'High risk detected', score: 0.95 });
    const result = await py.done;
    expect(result.err).not.toMatch(/Traceback/);
    const line = JSON.parse(result.out.trim().split('\n').at(-1)!) as { alert: Record<string, unknown> };
    expect(line.alert).toMatchObject({ patient_id: 'P123', alert_type: 'critical', alert_data: { message: 'High risk detected' } });
  });

  it('serves the device-stream protocol’s python websockets client on the patient endpoint', async () => {
    h = await startHubHarness();
    const token = await h.token({ sub: 'nurse1', role: 'supervisor' });
    const py = runPython(DEVICE_STREAM_CLIENT, [(await entryUrl(h)).replace('http', 'ws'), token]);
    const { sender } = await clientNode(h, 'the python client to connect', (c) => c.transport === 'websocket' && c.rooms.has('patient:P123:vitals'));
    const monitor = connectIo(sender.url, { transports: ['websocket'], auth: { token: await h.token({ sub: 'mon', role: 'device', device_id: 'M1', device_type: 'monitor', patient_id: 'P123' }) }, reconnection: false });
    monitors.push(monitor);
    await waitFor('the monitor connected', () => monitor.connected);
    expect(await emitAck(monitor, 'device_data', { data_type: 'heart_rate', values: { value: 72 } })).toMatchObject({ ok: true });
    const result = await py.done;
    expect(result.err).not.toMatch(/Traceback/);
    const line = JSON.parse(result.out.trim().split('\n').at(-1)!) as { vitals: Record<string, unknown> };
    expect(line.vitals).toMatchObject({ patient_id: 'P123', heart_rate: { value: 72 }, device_id: 'M1' });
  });
});
