import { io as connect, type Socket } from 'socket.io-client';
import { afterAll, describe, expect, it } from 'vitest';
import { rooms } from '../../../src/shared/rooms';
import { CLUSTER_JWT_SECRET, startTestCluster, type TestCluster } from '../../helpers/cluster';
import { signToken } from '../../helpers/reliability/tokens';
import { waitFor } from '../../helpers/waitFor';

const CREWS = 6;

let cluster: TestCluster | undefined;
const sockets: Socket[] = [];
afterAll(async () => {
  for (const s of sockets) s.close();
  await cluster?.stop();
});

interface Crew {
  sub: string;
  unit: string;
  socket: Socket;
  /** Sequence numbers received in the crew's unit room, in arrival order. */
  got: number[];
  connects: number;
  recovered: boolean;
}

/** Which node a crew's connection is on: the node whose own registry (scope=node) lists the crew's user. */
async function nodeOf(c: TestCluster, crewSub: string, token: string): Promise<string | null> {
  for (const [name, node] of c.nodes) {
    const res = await fetch(`${node.url}/realtime/stats?scope=node`, { headers: { authorization: `Bearer ${token}` } });
    const stats = (await res.json()) as { data: { connections_by_user: Record<string, number> } };
    if (stats.data.connections_by_user[crewSub]) return name;
  }
  return null;
}

describe('cluster failover: Socket.IO clients of a killed node recover on another node', () => {
  it('delivers every room message once, in order, to crews whose node got kill -9, through HAProxy', async () => {
    cluster = await startTestCluster({ nodes: 2 });
    const admin = await signToken(CLUSTER_JWT_SECRET, { sub: 'ops', role: 'admin' });
    const crews: Crew[] = [];
    for (let k = 0; k < CREWS; k += 1) {
      const unit = `RC-${k}`;
      const token = await signToken(CLUSTER_JWT_SECRET, { sub: `crew-${k}`, role: 'crew', unit_id: unit });
      // Devices connect websocket-only (docs/cluster/README.md): no sticky session needed.
      const socket = connect(cluster.balancer.url, { transports: ['websocket'], auth: { token }, reconnectionDelay: 100, reconnectionDelayMax: 500 });
      sockets.push(socket);
      const crew: Crew = { sub: `crew-${k}`, unit, socket, got: [], connects: 0, recovered: false };
      socket.on('connect', () => {
        crew.connects += 1;
        if (crew.connects > 1) crew.recovered = socket.recovered;
      });
      socket.on('seq', (data: { n: number }) => crew.got.push(data.n));
      crews.push(crew);
    }
    await waitFor('every crew connected', () => crews.every((c) => c.socket.connected));
    const placement = new Map<string, string | null>();
    for (const crew of crews) placement.set(crew.unit, await nodeOf(cluster, crew.sub, admin));
    const perNode = new Map<string, number>();
    for (const name of placement.values()) if (name) perNode.set(name, (perNode.get(name) ?? 0) + 1);
    const [victimName] = [...perNode].sort((a, b) => b[1] - a[1])[0]!;
    const survivorName = [...cluster.nodes.keys()].find((n) => n !== victimName)!;
    const survivor = cluster.nodes.get(survivorName)!;

    // A dispatcher's tool on the surviving node publishes a numbered message to every crew's room.
    let n = 0;
    let publishing = true;
    const publishRound = async () => {
      n += 1;
      for (const crew of crews) {
        const res = await fetch(`${survivor.url}/realtime/test/publish`, {
          method: 'POST',
          headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' },
          body: JSON.stringify({ room: rooms.unit(crew.unit), event: 'seq', data: { n } })
        });
        expect(res.status).toBe(200);
      }
    };
    const publisher = (async () => {
      while (publishing) await publishRound();
    })();

    await waitFor('every crew to receive 5 messages (sessions saved, offsets known)', () => crews.every((c) => c.got.length >= 5));
    const onVictim = crews.filter((c) => placement.get(c.unit) === victimName);
    await cluster.nodes.get(victimName)!.kill9();
    await waitFor('the killed node\'s crews to reconnect through HAProxy', () => onVictim.every((c) => c.connects >= 2 && c.socket.connected));
    const after = n;
    await waitFor('10 more rounds after the reconnection', () => n >= after + 10);
    publishing = false;
    await publisher;
    await waitFor(`every crew to hold message ${n}`, () => crews.every((c) => c.got.includes(n)));

    const gaps = crews.map((c) => {
      const first = c.got[0]!;
      const expected = Array.from({ length: n - first + 1 }, (_, i) => first + i);
      return { unit: c.unit, missing: expected.filter((x) => !c.got.includes(x)).length, duplicated: c.got.length - new Set(c.got).size, inOrder: c.got.every((x, i) => i === 0 || x > c.got[i - 1]!) };
    });
    console.log(
      `socket.io recovery: ${CREWS} crews (${[...perNode].map(([k, v]) => `${k} ${v}`).join(', ')}), killed ${victimName}; ${n} messages per crew; ` +
        `recovered ${onVictim.filter((c) => c.recovered).length}/${onVictim.length}; missing ${gaps.reduce((s, g) => s + g.missing, 0)}, duplicated ${gaps.reduce((s, g) => s + g.duplicated, 0)}`
    );
    expect(onVictim.length).toBeGreaterThan(0);
    expect(onVictim.map((c) => c.recovered)).toEqual(onVictim.map(() => true));
    expect(gaps.filter((g) => g.missing > 0 || g.duplicated > 0 || !g.inOrder)).toEqual([]);
  });
});
