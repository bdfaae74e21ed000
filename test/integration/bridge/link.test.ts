import { afterEach, describe, expect, it } from 'vitest';
import type { CadSimulator } from '../../../src/main/cadsim/cadSimulator';
import { CAD_INBOUND_EVENTS } from '../../../src/shared/cad';
import { tokenFor, type TestCore } from '../../helpers/core';
import { CAD_TOKEN, inSync, startBridgedCore, startSim, waitFor } from './harness';

let sim: CadSimulator | undefined;
let running: TestCore | undefined;
afterEach(async () => {
  await running?.close();
  await sim?.close();
  running = sim = undefined;
});

describe('the CAD link', () => {
  it('connects with the token, loads the CAD picture and reports healthy without revealing the token', async () => {
    sim = await startSim({ units: 6, incidentsPerMinute: 0 });
    sim.world.createIncident();
    running = await startBridgedCore(sim.url);
    const { core } = running;
    await waitFor('healthy', () => core.services.bridge.health().status === 'healthy');
    expect(inSync(core, sim)).toBe(true);
    expect(core.services.dispatch.units()).toHaveLength(6);
    expect(sim.connections()).toBe(1);

    // Anonymous probes get the status only; where the CAD is and why it failed is for operators.
    expect(await (await fetch(`${core.url}/api/socket-bridge/health`)).json()).toEqual({ status: 'healthy' });
    const ops = { authorization: `Bearer ${await tokenFor(core, { sub: 'ops', role: 'dispatcher' })}` };
    const res = await fetch(`${core.url}/api/socket-bridge/health`, { headers: ops });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { status: string; bridge: Record<string, unknown> };
    expect(body).toMatchObject({
      status: 'healthy',
      bridge: { connected: true, cad_url: sim.url, connection_attempts: 0, last_error: null, event_handlers_registered: CAD_INBOUND_EVENTS.length }
    });
    expect(JSON.stringify(body)).not.toContain(CAD_TOKEN);

    // Live events keep the picture in step.
    const unit = [...sim.state.units.values()][0]!;
    sim.world.moveUnit(unit, { lat: 47.61, lon: -122.33 }, 90, 42);
    await waitFor('location applied', () => core.services.dispatch.unit(unit.id)?.speed === 42);
    expect(inSync(core, sim)).toBe(true);
    expect(running.logText()).not.toContain(CAD_TOKEN);
  });

  it('reports a rejected token clearly in health and does not retry in a hot loop', async () => {
    sim = await startSim();
    running = await startBridgedCore(sim.url, { token: 'definitely-the-wrong-token', bridge: { authRetryMs: 60_000 } });
    const { core } = running;
    await waitFor('auth failure reported with its retry scheduled', () => core.services.bridge.health().bridge.last_error && core.services.bridge.health().bridge.next_retry_at);
    const res = await fetch(`${core.url}/api/socket-bridge/health`, { headers: { authorization: `Bearer ${await tokenFor(core, { sub: 'ops', role: 'dispatcher' })}` } });
    expect(res.status).toBe(503);
    const body = (await res.json()) as { status: string; bridge: { last_error: string; connection_attempts: number } };
    expect(body.status).toBe('disconnected');
    expect(body.bridge.last_error).toMatch(/Authentication failed/);
    // Backoff would retry in 50 ms; an auth failure waits authRetryMs instead. Read the
    // schedule rather than watch a clock, so a slow machine cannot blur the two.
    const after = core.services.bridge.health().bridge;
    expect(after.connection_attempts).toBe(1);
    expect(Date.parse(after.next_retry_at!) - Date.now()).toBeGreaterThan(30_000);
    expect(running.logText()).not.toContain('definitely-the-wrong-token');
  });

  it('lets an admin reconfigure the token from the console; the token is never echoed', async () => {
    sim = await startSim();
    running = await startBridgedCore(sim.url, { token: 'wrong-token-at-first-000' });
    const { core } = running;
    await waitFor('auth failure', () => core.services.bridge.health().bridge.last_error?.includes('Authentication'));
    const admin = { operator: { username: 'ada', role: 'admin' as const }, transport: 'ipc' as const };
    const dispatcher = { operator: { username: 'dan', role: 'dispatcher' as const }, transport: 'ipc' as const };
    const denied = await core.api.call('bridge.configure', { url: sim.url, token: CAD_TOKEN }, dispatcher);
    expect(denied).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
    const result = await core.api.call('bridge.configure', { url: sim.url, token: CAD_TOKEN }, admin);
    expect(result.ok).toBe(true);
    expect(JSON.stringify(result)).not.toContain(CAD_TOKEN);
    await waitFor('connected after configure', () => core.services.bridge.health().status === 'healthy');

    // Manual reconnect over REST needs an admin token.
    const crew = await tokenFor(core, { sub: 'crew-1', role: 'crew', unit_id: 'U-001' });
    const forbidden = await fetch(`${core.url}/api/socket-bridge/reconnect`, { method: 'POST', headers: { authorization: `Bearer ${crew}` } });
    expect(forbidden.status).toBe(403);
    const adminToken = await tokenFor(core, { sub: 'ada', role: 'admin' });
    const ok = await fetch(`${core.url}/api/socket-bridge/reconnect`, { method: 'POST', headers: { authorization: `Bearer ${adminToken}` } });
    expect(ok.status).toBe(200);
    await waitFor('healthy after manual reconnect', () => core.services.bridge.health().status === 'healthy');
    expect(running.logText()).not.toContain(CAD_TOKEN);
  });
});
