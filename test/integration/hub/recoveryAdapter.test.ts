import { afterEach, describe, expect, it } from 'vitest';
import { io as connectIo } from 'socket.io-client';
import { waitFor } from '../../helpers/waitFor';
import { emitAck, logRows, nextEvent, startHubHarness, type HubHarness } from './hubHelpers';

/**
 * The single-node Socket.IO recovery adapter (hub/recoveryAdapter.ts): what it
 * keeps for a dropped session and when it lets one go. Single mode only: in a
 * cluster the Redis streams adapter recovers sessions, tested under
 * test/integration/cluster and test/reliability/cluster.
 */
let h: HubHarness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

describe('the node\'s Socket.IO recovery adapter', () => {
  it('gives a reconnecting client what it missed and serves room history since an offset', async () => {
    h = await startHubHarness();
    const token = await h.token({ sub: 'sup', role: 'supervisor' });
    const socket = connectIo(h.url, { transports: ['websocket'], auth: { token }, reconnectionDelay: 100, forceNew: true });
    await nextEvent(socket, 'connect');
    const joined = await emitAck(socket, 'join_room', { room: 'system:alerts' });
    const since = (joined as unknown as { last_id: number }).last_id;
    const hub = h.running.core.services.hub;
    hub.publish('system:alerts', 'system.alert', { n: 1 });
    await nextEvent(socket, 'system.alert');
    // Drop the transport without a clean close: the server keeps the session for recovery.
    const dropped = nextEvent(socket, 'disconnect');
    h.running.core.http.io.of('/').sockets.get(socket.id!)!.conn.close();
    await dropped;
    const kept = (h.running.core.http.io.of('/').adapter as unknown as { packets: unknown[] }).packets;
    const before = kept.length;
    // A room the dropped session was not in: nobody can receive it, so recovery keeps nothing.
    hub.publish('unit:U-nobody', 'unit.location', { unit_id: 'U-nobody' });
    expect(kept.length).toBe(before);
    hub.publish('system:alerts', 'system.alert', { n: 2 });
    hub.publish('system:alerts', 'system.alert', { n: 3 });
    expect(kept.length).toBe(before + 2);
    const got: unknown[] = [];
    socket.on('system.alert', (d) => got.push(d));
    await nextEvent(socket, 'connect');
    expect(socket.recovered).toBe(true);
    await waitFor('the two missed alerts replayed to the recovered session', () => got.length >= 2);
    expect(got).toEqual([{ n: 2 }, { n: 3 }]);
    const history = await emitAck(socket, 'room_history', { room: 'system:alerts', since });
    expect((history as unknown as { history: Array<{ data: unknown }> }).history.map((m) => m.data)).toEqual([{ n: 1 }, { n: 2 }, { n: 3 }]);
    socket.close();
  });

  it('retires the recoverable session of a device that connects afresh, not an operator\'s', async () => {
    h = await startHubHarness();
    const nsp = h.running.core.http.io.of('/');
    const sessions = (nsp.adapter as unknown as { sessions: Map<string, unknown> }).sessions;
    const kept = (nsp.adapter as unknown as { packets: unknown[] }).packets;
    const dropOnce = async (token: string) => {
      const socket = connectIo(h!.url, { transports: ['websocket'], auth: { token }, reconnection: false, forceNew: true });
      await nextEvent(socket, 'connect');
      const dropped = nextEvent(socket, 'disconnect');
      nsp.sockets.get(socket.id!)!.conn.close(); // no clean close: the server keeps the session for recovery
      await dropped;
      socket.close();
    };
    const crew = await h.token({ sub: 'crew-7', role: 'crew', unit_id: 'U7' });
    const supervisor = await h.token({ sub: 'sup', role: 'supervisor' });
    await dropOnce(crew);
    await dropOnce(supervisor);
    expect(sessions.size).toBe(2);
    const before = kept.length;
    h.running.core.services.hub.publish('unit:U7', 'unit.location', { unit_id: 'U7' });
    expect(kept.length).toBe(before + 1); // kept for the crew's dropped session

    // The same crew starts over (a new session): its old one can never be resumed.
    const fresh = connectIo(h.url, { transports: ['websocket'], auth: { token: crew }, forceNew: true });
    await nextEvent(fresh, 'connect');
    await h.running.core.services.log.flush();
    expect(sessions.size).toBe(1); // the supervisor's, who may have another console
    fresh.close();
    const rows = await logRows(h, "event_type = 'connect' AND user_id = ?", 'crew-7');
    expect(rows.map((r) => JSON.parse(String(r.event_data)).retired_sessions)).toEqual([undefined, 1]);
  });

});
