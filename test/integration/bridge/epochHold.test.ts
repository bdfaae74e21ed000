import { io } from 'socket.io-client';
import { afterEach, describe, expect, it } from 'vitest';
import type { CadSimulator } from '../../../src/main/cadsim/cadSimulator';
import { CAD_TOKEN, startBridgedCore, startSim, waitFor } from './harness';

/**
 * A CAD that restarts without its database starts a new epoch and reuses
 * incident ids: an assignment queued before the restart would send a unit to a
 * different call. The bridge binds each message to its epoch, holds it after
 * an epoch change, and sends it only when a dispatcher re-confirms it.
 */

const dispatcher = { operator: { username: 'dana', role: 'dispatcher' as const }, transport: 'socket' as const };
const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

const CHEST_PAIN = { id: 'INC-000777', type: 'chest pain', address: '12 Main St, Seattle, WA', priority: 1, location: { lat: 47.61, lon: -122.33 } };
const FALL = { id: 'INC-000777', type: 'fall', address: '4 Oak Ave, Seattle, WA', priority: 3, location: { lat: 47.65, lon: -122.3 } };

async function sim(options: Parameters<typeof startSim>[0] = {}): Promise<CadSimulator> {
  const s = await startSim(options);
  cleanups.push(() => s.close());
  return s;
}

async function bridged(cadUrl: string) {
  const running = await startBridgedCore(cadUrl);
  cleanups.push(() => running.close());
  return running.core;
}

/** Queues an assignment while the CAD is down, then brings up a CAD that lost everything (new epoch, same ids). */
async function assignAcrossACadRestart() {
  const before = await sim();
  before.world.createIncident(CHEST_PAIN);
  const core = await bridged(before.url);
  await waitFor('the console to see the chest pain call', () => core.services.dispatch.incident(CHEST_PAIN.id)?.type === 'chest pain');
  const oldEpoch = before.state.epoch;
  await before.close();
  await waitFor('the bridge to notice the CAD is gone', () => !core.services.bridge.health().bridge.connected);

  const receipt = await core.api.call('dispatch.assign', { unit_id: 'U-001', incident_id: CHEST_PAIN.id }, dispatcher);
  expect(receipt.ok && receipt.value.status).toBe('pending');

  const after = await sim({ port: before.port });
  after.world.createIncident(FALL);
  expect(after.state.epoch).not.toBe(oldEpoch);
  await waitFor('the held message to show in the health', () => core.services.bridge.health().bridge.outbox.held === 1);
  return { core, after, oldEpoch };
}

describe('outbound messages and CAD epochs', () => {
  it('holds an assignment across an epoch change and delivers it, bound to the new epoch, only once re-confirmed', async () => {
    const { core, after, oldEpoch } = await assignAcrossACadRestart();
    expect(after.state.received).toEqual([]);
    expect(core.services.bridge.health().bridge.outbox.pending).toBe(0);

    const held = await core.api.call('bridge.heldMessages', {}, dispatcher);
    expect(held.ok).toBe(true);
    const [message] = held.ok ? held.value : [];
    expect(message).toMatchObject({ event: 'assignment:send', made_in_epoch: oldEpoch, requested_by: 'operator:dana' });
    // What the dispatcher saw when assigning travels with it, so the panel can show the mismatch.
    expect(message!.body).toMatchObject({ unit_id: 'U-001', incident_id: CHEST_PAIN.id, incident_type: 'chest pain' });

    const confirmed = await core.api.call('bridge.confirmHeld', { outbox_id: message!.outbox_id }, dispatcher);
    expect(confirmed).toEqual({ ok: true, value: { outbox_id: message!.outbox_id, status: 'pending', epoch: after.state.epoch } });
    const delivered = await waitFor('the CAD to receive the re-confirmed assignment', () => after.state.received[0]);
    expect(delivered.payload).toMatchObject({ unit_id: 'U-001', incident_id: CHEST_PAIN.id, cad_epoch: after.state.epoch });
    expect(delivered.ack.ok).toBe(true);
    // In a cluster the health's counts are read back from PostgreSQL after each change: a state to wait for.
    await waitFor('the health to show nothing held', () => core.services.bridge.health().bridge.outbox.held === 0);
    // Deciding twice is refused with a clear answer.
    const again = await core.api.call('bridge.discardHeld', { outbox_id: message!.outbox_id }, dispatcher);
    expect(again.ok ? null : again.error.code).toBe('NOT_FOUND');
  });

  it('delivers nothing when the held assignment is discarded', async () => {
    const { core, after } = await assignAcrossACadRestart();
    const held = await core.api.call('bridge.heldMessages', {}, dispatcher);
    const id = held.ok ? held.value[0]!.outbox_id : -1;
    const discarded = await core.api.call('bridge.discardHeld', { outbox_id: id }, dispatcher);
    expect(discarded).toEqual({ ok: true, value: { outbox_id: id, status: 'discarded' } });
    await waitFor('the held count to drop', () => core.services.bridge.health().bridge.outbox.held === 0);
    // A later message on the same link goes through, so the link was live all along: the discarded one was never sent.
    await core.api.call('bridge.updateIncidentStatus', { incident_id: FALL.id, status: 'dispatched' }, dispatcher);
    await waitFor('the later message to arrive', () => after.state.received.length === 1);
    expect(after.state.received.map((r) => r.event)).toEqual(['incident:status:update']);
  });

  it('holds a message the CAD refuses with EPOCH_MISMATCH instead of rejecting it', async () => {
    const cad = await sim();
    cad.world.createIncident(CHEST_PAIN);
    const core = await bridged(cad.url);
    await waitFor('the console to see the call', () => core.services.dispatch.incident(CHEST_PAIN.id));
    // The CAD moves to a new epoch without a word to the bridge: only the CAD's refusal can catch it.
    cad.state.epoch = 'restarted-quietly';
    await core.api.call('dispatch.assign', { unit_id: 'U-002', incident_id: CHEST_PAIN.id }, dispatcher);
    await waitFor('the refused message to be held', () => core.services.bridge.health().bridge.outbox.held === 1);
    expect(cad.state.epochMismatches).toBe(1);
    expect(cad.state.received).toEqual([]);
    expect(core.services.bridge.health().bridge.outbox.rejected).toBe(0);
  });

  it('the simulated CAD refuses a message from another epoch before applying anything', async () => {
    const cad = await sim();
    const socket = io(cad.url, { transports: ['websocket'], auth: { token: CAD_TOKEN }, reconnection: false });
    cleanups.push(async () => void socket.disconnect());
    await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
    const send = (epoch: string, key: string) =>
      socket.timeout(5_000).emitWithAck('unit:status:update', { unit_id: 'U-001', status: 'out_of_service', idempotency_key: key, queued_at: new Date().toISOString(), cad_epoch: epoch });
    expect(await send('an-older-epoch', 'key-old-epoch-1')).toEqual({ ok: false, error: { code: 'EPOCH_MISMATCH', message: expect.stringContaining(cad.state.epoch) } });
    expect(cad.state.units.get('U-001')!.status).toBe('available');
    expect(await send(cad.state.epoch, 'key-this-epoch-1')).toEqual({ ok: true, duplicate: false });
    expect(cad.state.units.get('U-001')!.status).toBe('out_of_service');
  });
});
