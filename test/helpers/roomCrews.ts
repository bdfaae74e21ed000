import { io as connect, type Socket } from 'socket.io-client';
import { rooms } from '../../src/shared/rooms';
import type { TestCluster } from './cluster';
import { signToken } from './reliability/tokens';
import { waitFor } from './waitFor';

/**
 * Crews with a Socket.IO client each (socket.io-client, as a tablet runs it),
 * listening in their unit's room, and a dispatcher's tool publishing numbered
 * messages to every crew's room: the story of "a node dies and its clients must
 * not miss a room message".
 */
export interface Crew {
  sub: string;
  unit: string;
  socket: Socket;
  /** Sequence numbers received in the crew's unit room, in arrival order. */
  got: number[];
  connects: number;
  /** Whether the last reconnection recovered the session (socket.recovered). */
  recovered: boolean;
}

export async function connectCrews(url: string, secret: string, count: number, prefix = 'RC'): Promise<Crew[]> {
  const crews: Crew[] = [];
  for (let k = 0; k < count; k += 1) {
    const unit = `${prefix}-${k}`;
    const sub = `crew-${prefix}-${k}`;
    const token = await signToken(secret, { sub, role: 'crew', unit_id: unit });
    // Devices connect websocket-only (docs/cluster/README.md): no sticky session needed.
    const socket = connect(url, { transports: ['websocket'], auth: { token }, reconnectionDelay: 100, reconnectionDelayMax: 500 });
    const crew: Crew = { sub, unit, socket, got: [], connects: 0, recovered: false };
    socket.on('connect', () => {
      crew.connects += 1;
      if (crew.connects > 1) crew.recovered = socket.recovered;
    });
    socket.on('seq', (data: { n: number }) => crew.got.push(data.n));
    crews.push(crew);
  }
  await waitFor('every crew connected', () => crews.every((c) => c.socket.connected));
  return crews;
}

/** Which node each crew's connection is on: the node whose own registry lists the crew's user. */
export async function crewPlacement(c: TestCluster, crews: Crew[], adminToken: string): Promise<Map<string, string>> {
  const users = new Map<string, Record<string, number>>();
  for (const [name, node] of c.nodes) {
    if (node.child.exitCode !== null || node.child.signalCode !== null) continue;
    const res = await fetch(`${node.url}/realtime/stats?scope=node`, { headers: { authorization: `Bearer ${adminToken}` } });
    users.set(name, ((await res.json()) as { data: { connections_by_user: Record<string, number> } }).data.connections_by_user);
  }
  const out = new Map<string, string>();
  for (const crew of crews) {
    const node = [...users].find(([, byUser]) => byUser[crew.sub])?.[0];
    if (node) out.set(crew.unit, node);
  }
  return out;
}

export interface RoomPublisher {
  /** The last round published (every crew's room got message n). */
  last(): number;
  stop(): Promise<void>;
}

/** Publishes rounds of numbered messages, one to each crew's room, through `nodeUrl`, until stopped. */
export function startRoomPublisher(nodeUrl: string, adminToken: string, crews: Crew[]): RoomPublisher {
  let n = 0;
  let publishing = true;
  const publishRound = async () => {
    const next = n + 1;
    for (const crew of crews) {
      for (let attempt = 1; ; attempt += 1) {
        const res = await fetch(`${nodeUrl}/realtime/test/publish`, {
          method: 'POST',
          headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' },
          body: JSON.stringify({ room: rooms.unit(crew.unit), event: 'seq', data: { n: next } })
        });
        if (res.status === 200) break;
        const body = await res.text();
        // A starved node can refuse a well-formed request at the HTTP parser (its request timer ran
        // out, 408): refused before it was handled, so sending it again publishes it once.
        if (res.status === 408 && attempt < 5) continue;
        throw new Error(`publishing to ${crew.unit} through ${nodeUrl} answered ${res.status}: ${body}`);
      }
    }
    n = next;
  };
  const loop = (async () => {
    while (publishing) await publishRound();
  })();
  return {
    last: () => n,
    async stop() {
      publishing = false;
      await loop;
    }
  };
}

export interface RoomGaps {
  missing: number;
  duplicated: number;
  outOfOrder: number;
}

/** What each crew missed of messages first..last (from its first message on), summed over `crews`. */
export function roomGaps(crews: Crew[], last: number): RoomGaps {
  let missing = 0;
  let duplicated = 0;
  let outOfOrder = 0;
  for (const c of crews) {
    const first = c.got[0] ?? 1;
    const got = new Set(c.got);
    for (let x = first; x <= last; x += 1) if (!got.has(x)) missing += 1;
    duplicated += c.got.length - got.size;
    outOfOrder += c.got.filter((x, i) => i > 0 && x <= c.got[i - 1]!).length;
  }
  return { missing, duplicated, outOfOrder };
}

export const closeCrews = (crews: Crew[]) => crews.forEach((c) => c.socket.close());

export interface CrewKillOutcome {
  victimName: string;
  perNode: Map<string, number>;
  onVictim: Crew[];
  last: number;
  gaps: RoomGaps;
  summary: string;
}

/**
 * Crews spread over the cluster's nodes hear numbered room messages published
 * through a surviving node; the node holding the most crews gets kill -9, its
 * crews reconnect through the balancer, and publishing goes on for 10 rounds
 * after that. Returns what every crew missed.
 */
export interface CrewKillOptions {
  /** The node to kill (default: the one holding the most crews). */
  victim?(crewsPerNode: Map<string, number>): Promise<string> | string;
  /** Right before the kill (e.g. to mark when the devices' failover starts). */
  beforeKill?(): void;
  /** Once the killed node's crews are back, while publishing goes on (e.g. wait for the devices too). */
  afterReconnect?(): Promise<void>;
}

export async function killNodeUnderCrews(c: TestCluster, crews: Crew[], adminToken: string, options: CrewKillOptions = {}): Promise<CrewKillOutcome> {
  const placement = await crewPlacement(c, crews, adminToken);
  const perNode = new Map<string, number>();
  for (const name of placement.values()) perNode.set(name, (perNode.get(name) ?? 0) + 1);
  const victimName = options.victim ? await options.victim(perNode) : [...perNode].sort((a, b) => b[1] - a[1])[0]![0];
  const survivor = [...c.nodes].find(([name, node]) => name !== victimName && node.child.exitCode === null && node.child.signalCode === null)![1];
  const publisher = startRoomPublisher(survivor.url, adminToken, crews);
  await waitFor('every crew to receive 5 messages (sessions saved, offsets known)', () => crews.every((crew) => crew.got.length >= 5));
  const onVictim = crews.filter((crew) => placement.get(crew.unit) === victimName);
  options.beforeKill?.();
  await c.nodes.get(victimName)!.kill9();
  await waitFor("the killed node's crews to reconnect through HAProxy", () => onVictim.every((crew) => crew.connects >= 2 && crew.socket.connected));
  await options.afterReconnect?.();
  const after = publisher.last();
  await waitFor('10 more rounds after the reconnection', () => publisher.last() >= after + 10);
  await publisher.stop();
  const last = publisher.last();
  await waitFor(`every crew to hold message ${last}`, () => crews.every((crew) => crew.got.includes(last)));
  const gaps = roomGaps(crews, last);
  const summary =
    `${crews.length} crews (${[...perNode].map(([k, v]) => `${k} ${v}`).join(', ')}), killed ${victimName}; ${last} messages per crew; ` +
    `recovered ${onVictim.filter((crew) => crew.recovered).length}/${onVictim.length}; missing ${gaps.missing}, duplicated ${gaps.duplicated}, out of order ${gaps.outOfOrder}`;
  return { victimName, perNode, onVictim, last, gaps, summary };
}
