import type { HubStats } from '../../../shared/contract/hub';
import { hubRoomCounts, type Hub } from './hub';

const addCounts = (into: Record<string, number>, from: Record<string, number>) => {
  for (const [k, n] of Object.entries(from)) into[k] = (into[k] ?? 0) + n;
};

/**
 * The hub's counters for the console's status strip. One node: its own. A
 * cluster: every live node's connections and event rates added up (each node
 * shares its counters through Redis when it computes them), and the rooms with
 * a member anywhere, so a supervisor sees the centre rather than whichever node
 * the console happens to be linked to. If Redis cannot answer, this node's own
 * counters are returned: the strip is never left without figures.
 */
export async function clusterHubStats(hub: Hub): Promise<HubStats> {
  const own = hub.stats();
  const directory = hub.directory;
  if (!directory) return own;
  const [others, remote] = await Promise.all([directory.shareStats(own), directory.remote()]).catch((err: unknown) => {
    hub.logger.debug({ err }, 'cluster hub counters unavailable; showing this node only');
    return [[], []] as const;
  });
  const byTransport = { ...own.by_transport };
  const byRole = { ...own.by_role };
  const rooms = new Set(hubRoomCounts(hub).keys());
  for (const c of remote) for (const room of c.rooms) rooms.add(room);
  let { connections, events_in_per_sec: inRate, events_out_per_sec: outRate, events_in_total: inTotal, events_out_total: outTotal } = own;
  for (const s of others) {
    connections += s.connections;
    addCounts(byTransport, s.by_transport);
    addCounts(byRole, s.by_role);
    inRate += s.events_in_per_sec;
    outRate += s.events_out_per_sec;
    inTotal += s.events_in_total;
    outTotal += s.events_out_total;
  }
  const tenth = (n: number) => Math.round(n * 10) / 10;
  return {
    ...own,
    connections,
    by_transport: byTransport,
    by_role: byRole,
    rooms: rooms.size,
    events_in_per_sec: tenth(inRate),
    events_out_per_sec: tenth(outRate),
    events_in_total: inTotal,
    events_out_total: outTotal,
    nodes: 1 + others.length
  };
}
