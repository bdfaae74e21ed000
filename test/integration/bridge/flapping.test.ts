import { afterEach, describe, expect, it } from 'vitest';
import { createCadSimulator, type CadSimulator } from '../../../src/main/cadsim/cadSimulator';
import type { TestCore } from '../../helpers/core';
import { CAD_TOKEN, inSync, pictures, startBridgedCore, waitFor } from './harness';

/** How long the link flaps; short in CI, BRIDGE_FLAP_SECONDS=60 for the full minute. */
const FLAP_SECONDS = Number(process.env.BRIDGE_FLAP_SECONDS ?? 8);

let sim: CadSimulator | undefined;
let running: TestCore | undefined;
afterEach(async () => {
  await running?.close();
  await sim?.close();
  running = sim = undefined;
});

const simOptions = { token: CAD_TOKEN, tickMs: 40, timeScale: 300, units: 16, incidentsPerMinute: 0.3, metricsEveryTicks: 10, seed: 7 };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('a flapping CAD link', () => {
  it(
    `ends with the console's units and incidents equal to the CAD's after ${FLAP_SECONDS}s of outages`,
    async () => {
      sim = await createCadSimulator(simOptions);
      running = await startBridgedCore(sim.url);
      const { core } = running;
      const statuses: string[] = [];
      core.bus.on('bridge.health', (h) => statuses.push(h.status));
      await waitFor('first sync', () => core.services.bridge.health().status === 'healthy');

      const dispatcher = { operator: { username: 'dana', role: 'dispatcher' as const }, transport: 'ipc' as const };
      const until = Date.now() + FLAP_SECONDS * 1000;
      let round = 0;
      let assigned = 0;
      while (Date.now() < until) {
        round += 1;
        await sleep(400 + (round % 3) * 200);
        // The console keeps working through the flaps: send a free unit to an open incident.
        const pending = core.services.dispatch.incidents().find((i) => i.status !== 'closed' && i.status !== 'cancelled');
        const free = core.services.dispatch.units().find((u) => u.status === 'available');
        if (pending && free) {
          const r = await core.api.call('dispatch.assign', { unit_id: free.id, incident_id: pending.id }, dispatcher);
          if (r.ok) assigned += 1;
        }
        if (round % 2 === 1) {
          // A network partition: the CAD keeps running, the bridge misses its events.
          sim.setReachable(false);
          await sleep(250 + (round % 4) * 100);
          sim.setReachable(true);
        } else {
          // The CAD process dies and comes back on its database.
          const { port, state } = sim;
          await sim.close();
          await sleep(200);
          sim = await createCadSimulator({ ...simOptions, port, state });
        }
      }

      sim.setRunning(false);
      await waitFor('healthy after the last flap', () => core.services.bridge.health().status === 'healthy');
      await waitFor('outbox drained', () => core.services.bridge.health().bridge.outbox.pending === 0);
      await waitFor('pictures equal', () => inSync(core, sim!)).catch(() => undefined);
      const { console: seen, cad } = pictures(core, sim);
      expect(seen.units).toEqual(cad.units);
      expect(seen.incidents).toEqual(cad.incidents);
      expect(cad.incidents.length).toBeGreaterThan(3);
      expect(statuses).toContain('disconnected');
      expect(statuses).toContain('degraded');
      expect(core.services.bridge.stats().resyncs).toBeGreaterThan(round / 2);
      expect(assigned).toBeGreaterThan(0);
      // The simulation really moved: units drove to scenes while the link flapped.
      expect(cad.incidents.some((i) => i.timestamps.on_scene)).toBe(true);
    },
    FLAP_SECONDS * 1000 + 60_000
  );
});
