import Sqlite from 'better-sqlite3';
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { tempDir } from '../helpers/core';
import { ConnectRefused, RawSocketIo, waitFor } from '../helpers/reliability/clients';
import { watchConsole, type ConsoleWatch } from '../helpers/reliability/consoleAlerts';
import { startDeviceLoad, type DeviceLoad } from '../helpers/reliability/load';
import { checkLog, dbFileOf } from '../helpers/reliability/logCheck';
import { addOperator, jwtSecretOf, startServe, type ServeProcess } from '../helpers/reliability/serve';
import { signToken } from '../helpers/reliability/tokens';

const PRELOAD = path.join(__dirname, '..', 'helpers', 'reliability', 'wallClockShift.mjs');
const HOUR_MS = 3_600_000;

let serve: ServeProcess | undefined;
let load: DeviceLoad | undefined;
let watch: ConsoleWatch | undefined;
afterEach(async () => {
  watch?.close();
  await load?.stop();
  await serve?.stop();
  serve = load = watch = undefined;
});

describe('a wall-clock step back under load', () => {
  it('raises an alert, records the step in the chained log, keeps created_at in order, statistics whole, and expired tokens expired', async () => {
    const dataDir = tempDir('switchboard-clockstep-');
    const clockFile = path.join(tempDir('switchboard-clockfile-'), 'offset');
    fs.writeFileSync(clockFile, '0');
    addOperator(dataDir, 'ada', 'admin', 'clock-admin-password');
    serve = await startServe({ dataDir, nodeArgs: ['--import', PRELOAD], env: { SWITCHBOARD_TEST_CLOCK_FILE: clockFile } });
    const secret = jwtSecretOf(dataDir);
    const admin = await signToken(secret, { sub: 'ada', role: 'admin' });
    watch = await watchConsole(serve.url, admin);
    // Expired ten minutes ago by the true clock: an hour back, the server's wall clock would call it valid.
    const expired = await signToken(secret, { sub: 'clock-late', role: 'device', device_id: 'LATE-1', device_type: 'telemetry' }, { expiredSecondsAgo: 600 });

    load = await startDeviceLoad({ url: serve.url, secret, clients: 6, ratePerClient: 20, tag: 'clk' });
    await waitFor('300 events acknowledged before the step', () => load!.acked.size >= 300);
    const before = load.acked.size;

    fs.writeFileSync(clockFile, String(-HOUR_MS));
    process.kill(serve.pid, 'SIGUSR2');
    const alert = await waitFor('the console shows the clock alert', () => watch!.find('system.clock-step'));
    await waitFor('300 more events acknowledged after the step', () => load!.acked.size >= before + 300);

    let refusedCode: string | null = null;
    try {
      const late = await RawSocketIo.connect(serve.url, { token: expired });
      late.close();
    } catch (err) {
      refusedCode = err instanceof ConnectRefused ? String((err.data as { code?: string })?.code ?? err.message) : (err as Error).message;
    }

    await load.stop();
    const acked = new Map(load.acked);
    const summary = load.summary();
    const errorCodes = [...load.errors.keys()];
    load = undefined;

    const res = await fetch(`${serve.url}/api/v1/socket-logs/statistics`, { headers: { authorization: `Bearer ${admin}` } });
    const stats = JSON.stringify(await res.json());
    const totalEvents = Number(/"total_events":(\d+)/.exec(stats)?.[1] ?? -1);

    const db = new Sqlite(dbFileOf(dataDir), { readonly: true });
    const times = db.prepare('SELECT id, created_at, event_type FROM socket_logs ORDER BY id').all() as Array<{ id: number; created_at: number; event_type: string }>;
    const stepRow = db.prepare("SELECT event_data FROM socket_logs WHERE event_type = 'clock_step'").get() as { event_data: string } | undefined;
    db.close();
    let backwards = 0;
    for (let i = 1; i < times.length; i += 1) if (times[i]!.created_at < times[i - 1]!.created_at) backwards += 1;
    const check = await checkLog(dataDir, acked);
    const deviceRows = times.filter((t) => t.event_type === 'device_data').length;

    console.log(
      `[clock] wall clock stepped back 1 h under load (${summary.acked} acked, ${summary.errors} error acks); alert "${alert.title}": ${alert.message}; ` +
        `log row ${stepRow?.event_data}; ${backwards} backward steps in created_at over ${times.length} rows; statistics (last 30 days) count ${totalEvents} events for ${deviceRows} device rows; ` +
        `a token expired 10 min ago: ${refusedCode ?? 'ACCEPTED'}; chain ${check.verify.ok ? 'verifies' : `FAILS ${check.verify.problems.join('; ')}`}, ${check.missing.length} acked missing`
    );
    expect(alert.kind).toBe('system');
    expect(alert.message).toMatch(/stepped back 60\.0 min/);
    expect(stepRow, 'the step is a row in the log').toBeDefined();
    expect(JSON.parse(stepRow!.event_data)).toMatchObject({ direction: 'back' });
    expect(Math.abs(JSON.parse(stepRow!.event_data).step_ms + HOUR_MS)).toBeLessThan(5_000);
    expect(backwards, 'created_at never goes back between consecutive ids').toBe(0);
    expect(totalEvents).toBeGreaterThanOrEqual(deviceRows);
    expect(refusedCode).toBe('TOKEN_EXPIRED');
    // A busy machine may shed load (UNAVAILABLE, retryable); the step itself must refuse nothing.
    expect(errorCodes.filter((c) => c !== 'UNAVAILABLE')).toEqual([]);
    expect(check.missing).toEqual([]);
    expect(check.verify.ok).toBe(true);
  });
});
