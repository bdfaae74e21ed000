import { afterAll, describe, expect, it } from 'vitest';
import { createCadSimulator, type CadSimulator } from '../../src/main/cadsim/cadSimulator';
import { tempDir } from '../helpers/core';
import { sleep, waitFor } from '../helpers/reliability/clients';
import { seededRng } from '../helpers/reliability/payloads';
import { jwtSecretOf, startServe, type ServeProcess } from '../helpers/reliability/serve';
import { signToken } from '../helpers/reliability/tokens';

/** CI default: 5 kills of the simulated CAD; CAD_KILLS raises it, CAD_SEED replays the timing. */
const KILLS = Number(process.env.CAD_KILLS ?? 5);
const SEED = Number(process.env.CAD_SEED ?? Date.now() % 1_000_000);
const CAD_TOKEN = 'reliability-cad-token-7c1e93a0b5d2';
const SIM = { token: CAD_TOKEN, tickMs: 0, units: 8, incidentsPerMinute: 0 };

let serve: ServeProcess | undefined;
let sim: CadSimulator | undefined;
afterAll(async () => {
  await serve?.stop();
  await sim?.close();
});

type Health = { status: string; bridge: { connected: boolean; connection_attempts: number; outbox: { pending: number; rejected: number } } };

describe('CAD outages', () => {
  it(`delivers every queued action exactly once across ${KILLS} kills of the CAD simulator`, async () => {
    const rng = seededRng(SEED);
    sim = await createCadSimulator(SIM);
    const { port, state } = sim;
    serve = await startServe({ dataDir: tempDir('switchboard-cad-'), args: ['--cad-url', sim.url, '--cad-token', CAD_TOKEN] });
    const url = serve.url;
    const secret = jwtSecretOf(serve.dataDir);
    // The bridge's full health is for operators (anonymous callers get only its status).
    const admin = await signToken(secret, { sub: 'outage-admin', role: 'admin' });
    const health = async () => (await (await fetch(`${url}/api/socket-bridge/health`, { headers: { authorization: `Bearer ${admin}` } })).json()) as Health;
    await waitFor('bridge healthy', async () => (await health()).status === 'healthy');

    const crew = await signToken(secret, { sub: 'medic-7', role: 'crew', unit_id: 'U-001' });
    const keys: string[] = [];
    const refused: string[] = [];
    let sending = true;
    // A crew tablet keeps reporting its position through every outage; each report has its own key.
    const sender = (async () => {
      for (let n = 0; sending; n += 1) {
        const key = `rel-${SEED}-${n.toString().padStart(6, '0')}`;
        const res = await fetch(`${url}/api/socket-bridge/units/location`, {
          method: 'POST',
          headers: { authorization: `Bearer ${crew}`, 'content-type': 'application/json' },
          body: JSON.stringify({ unit_id: 'U-001', location: { lat: 47.6 + n * 1e-5, lon: -122.33 }, heading: n % 360, speed: 40, idempotency_key: key })
        }).catch(() => null);
        if (!res) {
          // The connection went before an answer: send the same report again, as a tablet
          // would; its idempotency key makes a second delivery of it impossible.
          n -= 1;
          continue;
        }
        if (res.status === 202) keys.push(key);
        else refused.push(`${res.status} ${(await res.text()).slice(0, 120)}`);
        await sleep(20);
      }
    })();

    const outages: string[] = [];
    let deliveredAtRestart = 0;
    for (let kill = 1; kill <= KILLS; kill += 1) {
      await sleep(600 + rng() * 1_200);
      const deliveredBefore = state.received.length;
      await sim.close();
      const downMs = Math.round(300 + rng() * 1_200);
      await sleep(downMs);
      const during = await health();
      sim = await createCadSimulator({ ...SIM, port, state });
      outages.push(`kill ${kill}: down ${downMs} ms, outbox ${during.bridge.outbox.pending} pending while down (status ${during.status}), ${deliveredBefore - deliveredAtRestart} delivered between the previous restart and this kill`);
      deliveredAtRestart = state.received.length;
    }
    sending = false;
    await sender;
    const final = await waitFor(
      'outbox drained',
      async () => {
        const h = await health();
        return h.status === 'healthy' && h.bridge.outbox.pending === 0 && state.received.length >= keys.length ? h : null;
      },
      60_000
    ).catch(async () => health());

    const received = state.received.map((m) => m.idempotency_key);
    const counts = new Map<string, number>();
    for (const k of received) counts.set(k, (counts.get(k) ?? 0) + 1);
    const missing = keys.filter((k) => !counts.has(k));
    const twice = [...counts.entries()].filter(([, n]) => n > 1).map(([k]) => k);
    const unexpected = received.filter((k) => !keys.includes(k));
    const inOrder = received.filter((k) => keys.includes(k)).every((k, i, list) => i === 0 || list[i - 1]! < k);
    for (const line of outages) console.log(`[cad] ${line}`);
    console.log(
      `[cad] seed ${SEED}: ${keys.length} actions queued (${refused.length} refused), ${KILLS} simulator kills; CAD applied ${counts.size} distinct, ` +
        `missing ${missing.length}, applied twice ${twice.length}, unknown ${unexpected.length}, redeliveries absorbed by idempotency keys ${state.duplicates}, ` +
        `in order ${inOrder}; final bridge status ${final.status}, outbox pending ${final.bridge.outbox.pending}, rejected ${final.bridge.outbox.rejected}, connection attempts ${final.bridge.connection_attempts}`
    );
    expect(refused).toEqual([]);
    expect(keys.length).toBeGreaterThan(KILLS * 20);
    expect(missing).toEqual([]);
    expect(twice).toEqual([]);
    expect(unexpected).toEqual([]);
    expect(state.received.every((m) => m.ack.ok)).toBe(true);
    expect(final.bridge.outbox.pending).toBe(0);
    expect(inOrder).toBe(true);
  });
});
