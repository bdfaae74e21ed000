import { afterEach, describe, expect, it } from 'vitest';
import { startSimulatedDevices } from '../../../src/main/devices';
import { waitFor } from '../../helpers/waitFor';
import { startHubHarness, type HubHarness } from './hubHelpers';

let h: HubHarness | undefined;
let stop: (() => void) | undefined;
afterEach(async () => {
  stop?.();
  await h?.close();
  h = undefined;
});

describe('simulated field devices', () => {
  it('connect as real clients, move crews, stream vitals and get ambulance requests answered', async () => {
    h = await startHubHarness();
    const core = h.running.core;
    let step = 0;
    const devices = await startSimulatedDevices({
      url: h.url,
      token: (identity) => h!.token(identity),
      counts: { crews: 2, monitors: 2, hospitals: ['H1', 'H2', 'H3', 'H4', 'H5', 'H6', 'H7', 'H8'], patients: 1 },
      speed: 0.01,
      random: () => ((step = (step * 9301 + 49297) % 233280) / 233280)
    });
    stop = devices.stop;
    const moves: string[] = [];
    core.bus.on('hub.unitLocation', (m) => moves.push(m.unit_id));
    await waitFor('a crew moving and a hospital answering a request', () => moves.length > 0 && core.services.hospitals.requests.list().some((r) => r.status !== 'pending'));
    expect(devices.sockets()).toBe(2 + 2 + 8 + 1);
    expect(new Set(moves)).toEqual(new Set(['M1', 'M2']));
    expect(core.services.hospitals.requests.list().some((r) => r.status === 'accepted' || r.status === 'failed')).toBe(true);
  });
});
