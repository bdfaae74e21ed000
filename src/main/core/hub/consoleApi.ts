import type { HubConnection } from '../../../shared/contract/hub';
import { patientEndpointRooms } from '../../../shared/rooms';
import type { CoreContext } from '../coreContext';
import type { HubServices } from './events';
import { clusterHubStats } from './clusterStats';
import { hubRoomCounts } from './hub';
import { describeConnection, type HubConn } from './registry';

/** Patients consoles are watching; a watch lapses unless renewed (a console that vanished stops costing pushes). */
export function createWatchList(minutes: number) {
  const expiry = new Map<string, number>();
  const ttl = minutes * 60_000;
  const sweep = () => {
    const now = Date.now();
    for (const [id, until] of expiry) if (until < now) expiry.delete(id);
  };
  const timer = setInterval(sweep, 30_000);
  timer.unref();
  return {
    has: (id: string) => (expiry.get(id) ?? 0) >= Date.now(),
    watch: (id: string) => void expiry.set(id, Date.now() + ttl),
    unwatch: (id: string) => void expiry.delete(id),
    list: () => [...expiry.keys()].sort(),
    close: () => clearInterval(timer)
  };
}

const isStale = (services: HubServices, conn: HubConn) => {
  const { identity } = conn;
  if (identity.role === 'crew' && identity.unit_id) return services.watchdog.isStale('crew', identity.unit_id);
  if (identity.role === 'device' && identity.device_id) return services.watchdog.isStale('device', identity.device_id, identity.device_type);
  return false;
};

/**
 * What each role sees of live connections: supervisors and admins everything;
 * dispatchers who is connected to what, without client addresses and user
 * agents; auditors (who read the log, not the floor) counts only.
 */
export function connectionViewFor(role: string | undefined): 'full' | 'floor' | 'counts' {
  if (role === 'admin' || role === 'supervisor') return 'full';
  return role === 'dispatcher' ? 'floor' : 'counts';
}

const trimConnection = <T extends { ip: string | null; user_agent: string | null }>(c: T, view: 'full' | 'floor' | 'counts'): T =>
  view === 'full' ? c : { ...c, ip: null, user_agent: null };

/** The console's view of the hub: registry, stats, presence and patient watching. */
export function registerHubConsole(ctx: CoreContext, services: HubServices, watch: ReturnType<typeof createWatchList>): () => void {
  const { hub } = services;
  const limits = Object.fromEntries(
    Object.entries(hub.config.vitals).map(([metric, l]) => [metric, { ...(l.min !== undefined ? { low: l.min } : {}), ...(l.max !== undefined ? { high: l.max } : {}) }])
  );

  ctx.api.handle('hub.connections', async ({ transport, role, room, search, staleOnly, limit }, call) => {
    const view = connectionViewFor(call.operator?.role);
    const byTransport: Record<string, number> = {};
    const byRole: Record<string, number> = {};
    const byNode: Record<string, number> = {};
    const needle = search?.toLowerCase();
    const matches: HubConnection[] = [];
    const consider = (row: { transport: string; role: string; rooms: { has(room: string): boolean } & Iterable<string> }, describe: () => HubConnection, stale: boolean, node?: string) => {
      byTransport[row.transport] = (byTransport[row.transport] ?? 0) + 1;
      byRole[row.role] = (byRole[row.role] ?? 0) + 1;
      if (node) byNode[node] = (byNode[node] ?? 0) + 1;
      if (transport && row.transport !== transport) return;
      if (role && row.role !== role) return;
      if (room && !row.rooms.has(room)) return;
      if (staleOnly && !stale) return;
      if (view === 'counts') return;
      const described = describe();
      const searchable = view === 'full' ? [described.id, described.user, described.ip ?? '', ...described.rooms] : [described.id, described.user, ...described.rooms];
      if (needle && !searchable.some((s) => s.toLowerCase().includes(needle))) return;
      if (matches.length < limit) matches.push(trimConnection(described, view));
    };
    const ownNode = hub.directory?.node;
    for (const conn of hub.registry.all()) {
      const stale = isStale(services, conn);
      consider({ transport: conn.transport, role: conn.identity.role, rooms: conn.rooms }, () => ({ ...describeConnection(conn, stale), ...(ownNode ? { node: ownNode } : {}) }), stale, ownNode);
    }
    // Cluster mode: the other nodes' connections, as their nodes last wrote them to Redis.
    const remote = hub.directory ? await hub.directory.remote() : [];
    for (const c of remote) consider({ transport: c.transport, role: c.role, rooms: new Set(c.rooms) }, () => c, c.stale, c.node);
    const byRoom = Object.fromEntries(hubRoomCounts(hub));
    for (const c of remote) for (const r of c.rooms) byRoom[r] = (byRoom[r] ?? 0) + 1;
    return {
      total: hub.registry.size() + remote.length,
      by_transport: byTransport,
      by_role: byRole,
      by_room: byRoom,
      ...(ownNode ? { by_node: byNode } : {}),
      connections: matches.sort((a, b) => b.last_seen.localeCompare(a.last_seen))
    };
  });
  ctx.api.handle('hub.stats', () => clusterHubStats(hub));
  ctx.api.handle('hub.cluster', async () => {
    const directory = hub.directory;
    if (!directory) return { mode: 'single' as const, node: null, nodes: [] };
    const [nodes, remote] = await Promise.all([directory.nodes(), directory.remote()]);
    const held = new Map<string, number>([[directory.node, hub.registry.size()]]);
    for (const c of remote) held.set(c.node, (held.get(c.node) ?? 0) + 1);
    return {
      mode: 'cluster' as const,
      node: directory.node,
      nodes: nodes.map((n) => ({ name: n.name, status: n.status, started_at: n.started_at, heartbeat_age_seconds: n.heartbeat_age_seconds, connections: held.get(n.name) ?? 0 }))
    };
  });
  ctx.api.handle('patients.watch', ({ patient_id }) => {
    watch.watch(patient_id);
    const history = hub.history.sinceAcross(patientEndpointRooms(patient_id), 0).slice(-200);
    return { watching: watch.list(), limits, history };
  });
  ctx.api.handle('patients.unwatch', ({ patient_id }) => {
    watch.unwatch(patient_id);
    return { watching: watch.list() };
  });

  const stopPresence = hub.onPresence((kind, conn, room) => {
    ctx.bus.publish('hub.presence', {
      kind,
      connection_id: conn.id,
      transport: conn.transport,
      role: conn.identity.role,
      user: conn.identity.sub,
      room,
      at: new Date().toISOString()
    });
  });
  const pushStats = () => clusterHubStats(hub).then((stats) => ctx.bus.publish('hub.stats', stats));
  const statsTimer = setInterval(() => void pushStats().catch((err: unknown) => ctx.logger.warn({ err }, 'hub counters not pushed')), hub.config.statsIntervalSeconds * 1000);
  statsTimer.unref();
  return () => {
    clearInterval(statsTimer);
    stopPresence();
  };
}
