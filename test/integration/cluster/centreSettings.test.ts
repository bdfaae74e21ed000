import { io as connect, type Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Incident, Unit } from '../../../src/shared/cad';
import { CONSOLE_NAMESPACE } from '../../../src/shared/contract';
import type { RunCardTable } from '../../../src/shared/contract/runCards';
import type { StatusThresholds } from '../../../src/shared/contract/statusThresholds';
import type { TestCore } from '../../helpers/core';
import { waitFor } from '../../helpers/waitFor';
import { startInProcessNode, startSharedEngines, type SharedEngines } from './inProcessNodes';

const at = '2026-01-01T10:00:00.000Z';
const unit = (id: string, type: string, lat: number): Unit => ({ id, call_sign: id, unit_type: type, status: 'available', location: { lat, lon: -122.33 }, heading: 0, speed: 0, incident_id: null, last_report: at });
const fall: Incident = { id: 'I1', type: 'Fall', priority: 1, address: '1 Main St', location: { lat: 47.6, lon: -122.33 }, status: 'pending', assigned_units: [], timestamps: { call_received: at }, destination: null, notes: [], updated_at: at };
const dispatcher = { operator: { username: 'dana', role: 'dispatcher' as const }, transport: 'socket' as const };
const supervisor = { operator: { username: 'sam', role: 'supervisor' as const }, transport: 'socket' as const };
const mrtFirst: RunCardTable = { cards: [{ incident_type: 'Fall', priority: 1, unit_types: ['MRT', 'ALS'] }], default_card: ['ALS', 'BLS'] };

/** A signed-in dispatcher console on a node, keeping every pushed event it receives. */
async function consoleOn(node: TestCore, sockets: Socket[]) {
  const socket = connect(`${node.core.url}${CONSOLE_NAMESPACE}`, { transports: ['websocket'] });
  sockets.push(socket);
  const events: Array<{ name: string; payload: unknown }> = [];
  socket.on('event', (name: string, payload: unknown) => events.push({ name, payload }));
  const signIn = await new Promise<{ ok: boolean }>((resolve) => socket.emit('call', 'auth.signIn', { username: 'dana', password: 'dispatcher password' }, resolve));
  expect(signIn.ok).toBe(true);
  return { named: (name: string) => events.filter((e) => e.name === name).map((e) => e.payload) };
}

const suggested = async (node: TestCore) => {
  const r = await node.core.api.call('dispatch.suggestUnits', { incident_id: 'I1', limit: 3 }, dispatcher);
  if (!r.ok) throw new Error(r.error.message);
  return r.value.map((s) => `${s.unit.id}:${s.run_card}`);
};

describe('centre settings are one setting for the whole cluster, not one per node', () => {
  let engines: SharedEngines;
  const nodes: TestCore[] = [];
  const sockets: Socket[] = [];
  const start = async (name: string) => {
    const node = await startInProcessNode(engines, name);
    nodes.push(node);
    node.core.services.dispatch.replace({ epoch: 'e', seq: 1, at, units: [unit('bls-near', 'BLS', 47.601), unit('als-far', 'ALS', 47.65), unit('mrt-mid', 'MRT', 47.62)], incidents: [fall] });
    return node;
  };

  beforeAll(async () => {
    engines = await startSharedEngines();
  });
  afterAll(async () => {
    sockets.forEach((s) => s.close());
    for (const node of nodes) await node.close();
    await engines?.stop();
  });

  it('run cards a supervisor changes on node A are used by the next suggestion on node B, and every console hears of it once', async () => {
    const a = await start('node-a');
    const b = await start('node-b');
    await a.core.operators.add('dana', 'dispatcher password', 'dispatcher');
    const onA = await consoleOn(a, sockets);
    const onB = await consoleOn(b, sockets);
    expect(await suggested(b)).toEqual(['bls-near:preferred', 'als-far:acceptable', 'mrt-mid:not_on_card']);

    expect(await a.core.api.call('dispatch.setRunCards', mrtFirst, supervisor)).toMatchObject({ ok: true, value: { updated_by: 'sam' } });
    await waitFor('node B to suggest by the run cards changed on node A', async () => (await suggested(b))[0] === 'mrt-mid:preferred');
    expect(await suggested(b)).toEqual(['mrt-mid:preferred', 'als-far:acceptable', 'bls-near:not_on_card']);
    expect(await b.core.api.call('dispatch.runCards', {}, dispatcher)).toMatchObject({ ok: true, value: { cards: mrtFirst.cards, updated_by: 'sam' } });
    await waitFor('the console on node B to be told of the new run cards', () => onB.named('dispatch.runCardsUpdated').length > 0);
    await waitFor('the console on node A to be told of the new run cards', () => onA.named('dispatch.runCardsUpdated').length > 0);
    expect(onB.named('dispatch.runCardsUpdated')[0]).toMatchObject({ cards: mrtFirst.cards, updated_by: 'sam' });

    // The thresholds too, changed on B this time, and heard on A.
    const before = await b.core.api.call('dispatch.thresholds', {}, dispatcher);
    if (!before.ok) throw new Error(before.error.message);
    const incident: StatusThresholds['incident'] = { ...before.value.incident, '1': { ...before.value.incident['1'], pending: { warn: 30, alarm: 90 } } };
    expect(await b.core.api.call('dispatch.setThresholds', { incident, unit: before.value.unit }, supervisor)).toMatchObject({ ok: true });
    await waitFor('the console on node A to be told of the thresholds changed on node B', () => onA.named('dispatch.thresholdsUpdated').length > 0);
    await waitFor('the console on node B to be told of its own node\'s change', () => onB.named('dispatch.thresholdsUpdated').length > 0);
    expect(await a.core.api.call('dispatch.thresholds', {}, dispatcher)).toMatchObject({ ok: true, value: { updated_by: 'sam', incident: { '1': { pending: { warn: 30, alarm: 90 } } } } });
    // By the time the later change arrived, each console had the earlier one exactly once: one node told it, not both.
    expect(onA.named('dispatch.runCardsUpdated')).toHaveLength(1);
    expect(onB.named('dispatch.runCardsUpdated')).toHaveLength(1);

    // The audit trail is the cluster's log: one row per change, by whom, on the node that made it.
    for (const node of [a, b]) await node.core.services.log.flush();
    const audit = await engines.pg.query<{ user_id: string; event_data: string }>("SELECT user_id, event_data FROM socket_logs WHERE event_type = 'settings_changed' ORDER BY id");
    expect(audit.rows.map((r) => [r.user_id, (JSON.parse(r.event_data) as { setting: string }).setting])).toEqual([
      ['sam', 'run_cards'],
      ['sam', 'status_thresholds']
    ]);
  });

  it('a node started later, and a node restarted, read the settings from the cluster rather than their own data directory', async () => {
    const late = await start('node-c');
    expect(await suggested(late)).toEqual(['mrt-mid:preferred', 'als-far:acceptable', 'bls-near:not_on_card']);
    expect(await late.core.api.call('dispatch.thresholds', {}, dispatcher)).toMatchObject({ ok: true, value: { incident: { '1': { pending: { warn: 30, alarm: 90 } } } } });

    const [a] = nodes;
    await a!.close();
    const again = await start('node-a');
    expect(await again.core.api.call('dispatch.runCards', {}, dispatcher)).toMatchObject({ ok: true, value: { cards: mrtFirst.cards, updated_by: 'sam' } });
  });
});
