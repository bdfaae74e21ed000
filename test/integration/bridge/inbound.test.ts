import { afterEach, describe, expect, it } from 'vitest';
import type { CadSimulator } from '../../../src/main/cadsim/cadSimulator';
import type { TestCore } from '../../helpers/core';
import { inSync, startBridgedCore, startSim, waitFor, type RelayRecord } from './harness';

let sim: CadSimulator | undefined;
let running: (TestCore & { relayed: RelayRecord[] }) | undefined;
afterEach(async () => {
  await running?.close();
  await sim?.close();
  running = sim = undefined;
});

/** A hand-made event with the next sequence number, the way the CAD would number it. */
function emitToBridge(cad: CadSimulator, event: string, payload: Record<string, unknown>) {
  cad.state.seq += 1;
  cad.broadcastRaw(event, { epoch: cad.state.epoch, seq: cad.state.seq, ...payload });
}

describe('inbound CAD events', () => {
  it('keeps applying, relaying and logging when one handler throws, and names the payload in the log', async () => {
    sim = await startSim({ units: 4 });
    running = await startBridgedCore(sim.url);
    const { core } = running;
    await waitFor('healthy', () => core.services.bridge.health().status === 'healthy');
    const seen: string[] = [];
    core.services.bridge.on('unit:location:updated', () => {
      throw new Error('map tile cache exploded');
    });
    core.services.bridge.on('unit:location:updated', (p) => seen.push(p.unit_id));

    const [a, b] = [...sim.state.units.values()];
    sim.world.moveUnit(a!, { lat: 47.62, lon: -122.35 }, 180, 30);
    const incident = sim.world.createIncident();
    sim.world.moveUnit(b!, { lat: 47.63, lon: -122.36 }, 90, 55);
    await waitFor('later events applied', () => core.services.dispatch.unit(b!.id)?.speed === 55);

    expect(seen).toEqual([a!.id, b!.id]);
    expect(inSync(core, sim)).toBe(true);
    expect(core.services.bridge.health().status).toBe('healthy');
    expect(running.logText()).toMatch(/CAD event handler failed/);
    expect(running.logText()).toContain(`unit:location:updated#${sim.state.epoch}:`);
    // Relayed to the unit's room, the incident's room and the dispatch room.
    expect(running.relayed.some((r) => r.room === `unit:${a!.id}` && r.event === 'unit:location:updated')).toBe(true);
    expect(running.relayed.some((r) => r.room === `incident:${incident.id}` && r.event === 'incident:new')).toBe(true);
    expect(running.relayed.some((r) => r.room === 'dispatch' && r.event === 'assignment:received')).toBe(true);
  });

  it('rejects a malformed payload without harm, and resynchronises (degraded meanwhile) after a sequence gap', async () => {
    sim = await startSim({ units: 4 });
    running = await startBridgedCore(sim.url);
    const { core } = running;
    await waitFor('healthy', () => core.services.bridge.health().status === 'healthy');
    const statuses: string[] = [];
    core.bus.on('bridge.health', (h) => statuses.push(h.status));

    emitToBridge(sim, 'unit:status:updated', { unit_id: 'U-001', status: 'teleporting', incident_id: null, at: 'yesterday' });
    await waitFor('invalid counted', () => core.services.bridge.stats().inbound.invalid === 1);
    expect(running.logText()).toMatch(/CAD event rejected/);

    // Events the bridge never sees: the CAD changed a unit, then carried on.
    const unit = sim.state.units.get('U-002')!;
    sim.skipSequence(3);
    unit.status = 'out_of_service';
    const resyncsBefore = core.services.bridge.stats().resyncs;
    sim.world.moveUnit(sim.state.units.get('U-003')!, { lat: 47.55, lon: -122.3 }, 0, 10);
    await waitFor('resync done', () => core.services.bridge.stats().resyncs > resyncsBefore);
    await waitFor('healthy again', () => core.services.bridge.health().status === 'healthy');
    expect(statuses).toContain('degraded');
    expect(core.services.dispatch.unit('U-002')?.status).toBe('out_of_service');
    expect(inSync(core, sim)).toBe(true);
    expect(core.services.bridge.stats().gaps).toBeGreaterThanOrEqual(1);
  });

  it('serves the picture and closest-unit suggestions to the console', async () => {
    sim = await startSim({ units: 6 });
    running = await startBridgedCore(sim.url);
    const { core } = running;
    await waitFor('healthy', () => core.services.bridge.health().status === 'healthy');
    const incident = sim.world.createIncident({ location: { lat: 47.6, lon: -122.33 } });
    await waitFor('incident seen', () => core.services.dispatch.incident(incident.id));
    const dispatcher = { operator: { username: 'dana', role: 'dispatcher' as const }, transport: 'ipc' as const };
    const snap = await core.api.call('dispatch.snapshot', {}, dispatcher);
    expect(snap.ok && snap.value.units).toHaveLength(6);
    const suggestions = await core.api.call('dispatch.suggestUnits', { incident_id: incident.id, limit: 3 }, dispatcher);
    if (!suggestions.ok) throw new Error(suggestions.error.message);
    const distances = suggestions.value.map((s) => s.distance_km);
    expect(distances).toEqual([...distances].sort((x, y) => x - y));
    expect(suggestions.value.every((s) => s.unit.status === 'available')).toBe(true);
    const missing = await core.api.call('dispatch.suggestUnits', { incident_id: 'INC-NOPE' }, dispatcher);
    expect(missing).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } });
    const auditor = { operator: { username: 'aud', role: 'auditor' as const }, transport: 'ipc' as const };
    expect(await core.api.call('dispatch.assign', { unit_id: 'U-001', incident_id: incident.id }, auditor)).toMatchObject({
      ok: false,
      error: { code: 'FORBIDDEN' }
    });
  });
});
