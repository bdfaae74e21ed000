import { afterEach, describe, expect, it } from 'vitest';
import { createCadSimulator, type CadSimulator } from '../../../src/main/cadsim/cadSimulator';
import { tokenFor, type TestCore } from '../../helpers/core';
import { CAD_TOKEN, startBridgedCore, startSim, waitFor } from './harness';

let sim: CadSimulator | undefined;
let running: TestCore | undefined;
afterEach(async () => {
  await running?.close();
  await sim?.close();
  running = sim = undefined;
});

const dispatcher = { operator: { username: 'dana', role: 'dispatcher' as const }, transport: 'socket' as const };
const admin = { operator: { username: 'ada', role: 'admin' as const }, transport: 'socket' as const };

/** 500 actions through all three doors: REST as a crew, console as a dispatcher, console as an admin. */
async function sendActions(core: TestCore['core'], count: number): Promise<string[]> {
  const crew = await tokenFor(core, { sub: 'medic-1', role: 'crew', unit_id: 'U-001' });
  const keys: string[] = [];
  for (let i = 0; i < count; i += 1) {
    if (i % 3 === 0) {
      const res = await fetch(`${core.url}/api/socket-bridge/units/location`, {
        method: 'POST',
        headers: { authorization: `Bearer ${crew}`, 'content-type': 'application/json' },
        body: JSON.stringify({ unit_id: 'U-001', location: { lat: 47.5 + i * 1e-4, lon: -122.3 }, heading: 10, speed: i % 100 })
      });
      expect(res.status).toBe(202);
      keys.push(((await res.json()) as { idempotency_key: string }).idempotency_key);
    } else if (i % 3 === 1) {
      const r = await core.api.call('bridge.updateUnitLocation', { unit_id: 'U-002', location: { lat: 47.6, lon: -122.4 + i * 1e-4 } }, dispatcher);
      if (!r.ok) throw new Error(r.error.message);
      keys.push(r.value.idempotency_key);
    } else {
      const r = await core.api.call('bridge.broadcastMetrics', { metrics: { action: i } }, admin);
      if (!r.ok) throw new Error(r.error.message);
      keys.push(r.value.idempotency_key);
    }
  }
  return keys;
}

async function expectDeliveredOnceInOrder(core: TestCore['core'], cad: CadSimulator, keys: string[]) {
  await waitFor('all delivered', () => core.services.bridge.health().bridge.outbox.pending === 0 && cad.state.received.length >= keys.length);
  const received = cad.state.received.map((m) => m.idempotency_key);
  expect(received).toHaveLength(keys.length);
  expect(new Set(received).size).toBe(keys.length);
  expect(received).toEqual(keys);
  expect(cad.state.received.every((m) => m.ack.ok)).toBe(true);
}

describe('the outbox', () => {
  it('holds 500 actions while the CAD is down and delivers each once, in order, when it is back', async () => {
    sim = await startSim();
    running = await startBridgedCore(sim.url);
    const { core } = running;
    await waitFor('healthy', () => core.services.bridge.health().status === 'healthy');
    const { port, state } = sim;
    await sim.close();
    await waitFor('disconnected', () => core.services.bridge.health().status === 'disconnected');

    const keys = await sendActions(core, 500);
    expect(core.services.bridge.health().bridge.outbox.pending).toBe(500);
    expect(state.received).toHaveLength(0);

    sim = await createCadSimulator({ token: CAD_TOKEN, port, state, tickMs: 0, units: 8, incidentsPerMinute: 0 });
    await expectDeliveredOnceInOrder(core, sim, keys);
    // The CAD's answers flowed back: the last location the crew sent is on the console's map.
    await waitFor('console caught up', () => core.services.dispatch.unit('U-001')?.location?.lat === 47.5 + 498 * 1e-4);
  });

  it('keeps the queue across a console restart and still delivers each once, in order', async () => {
    sim = await startSim();
    running = await startBridgedCore(sim.url);
    const dataDir = running.dataDir;
    await waitFor('healthy', () => running!.core.services.bridge.health().status === 'healthy');
    const { port, state } = sim;
    await sim.close();
    await waitFor('disconnected', () => running!.core.services.bridge.health().status === 'disconnected');
    const keys = await sendActions(running.core, 500);
    await running.close();

    running = await startBridgedCore(sim.url, { dataDir });
    expect(running.core.services.bridge.health().bridge.outbox.pending).toBe(500);
    sim = await createCadSimulator({ token: CAD_TOKEN, port, state, tickMs: 0, units: 8, incidentsPerMinute: 0 });
    await expectDeliveredOnceInOrder(running.core, sim, keys);
  });

  it('answers a repeated idempotency key with the first receipt instead of queueing twice', async () => {
    sim = await startSim();
    running = await startBridgedCore(sim.url);
    const { core } = running;
    const input = { unit_id: 'U-003', status: 'out_of_service' as const, idempotency_key: 'crew-tablet-0001' };
    const first = await core.api.call('bridge.updateUnitStatus', input, dispatcher);
    const again = await core.api.call('bridge.updateUnitStatus', input, dispatcher);
    expect(first).toMatchObject({ ok: true, value: { duplicate: false } });
    expect(again).toMatchObject({ ok: true, value: { duplicate: true, outbox_id: first.ok ? first.value.outbox_id : -1 } });
    await waitFor('status applied', () => core.services.dispatch.unit('U-003')?.status === 'out_of_service');
    expect(sim.state.received.filter((m) => m.idempotency_key === 'crew-tablet-0001')).toHaveLength(1);

    const misuse = await core.api.call('bridge.broadcastMetrics', { metrics: { a: 1 }, idempotency_key: 'crew-tablet-0001' }, admin);
    expect(misuse).toMatchObject({ ok: false, error: { code: 'CONFLICT' } });
    const bad = await core.api.call('bridge.updateUnitStatus', { unit_id: 'U-003', status: 'asleep' } as never, dispatcher);
    expect(bad).toMatchObject({ ok: false, error: { code: 'VALIDATION_FAILED' } });
  });
});
