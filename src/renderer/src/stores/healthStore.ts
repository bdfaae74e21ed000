import { create } from 'zustand';
import type { EventPayload, MethodOutput } from '../../../shared/contract';
import type { BridgeHealth } from '../../../shared/contract/bridge';
import type { HubStats } from '../../../shared/contract/hub';
import { api } from '../lib/api';
import { frameBatch } from '../lib/frameBatch';
import { toRemote, type Remote } from './remote';

export type CadLink = 'healthy' | 'degraded' | 'disconnected' | 'unknown';
export type ConnectionsAnswer = MethodOutput<'hub.connections'>;
export type ClusterAnswer = MethodOutput<'hub.cluster'>;

/** The log's own health numbers, pushed as log.stats. */
export interface LogStatsView {
  writeRate: number;
  totalRows: number;
  dbSizeBytes: number;
  walSizeBytes: number;
  queueDepth: number;
  /** When the console received them (a stale push is shown as such). */
  at: number;
}

export interface ConnectionQuery {
  search: string;
  staleOnly: boolean;
}

interface HealthState {
  /** Last heartbeat from the core (a silent core is not the same as a quiet one). */
  heartbeatAt: number | null;
  consoleConnections: number | null;
  hubStats: Remote<HubStats>;
  /** Events per second in, sampled on every hub.stats push (newest last). */
  throughput: number[];
  connections: Remote<ConnectionsAnswer>;
  /** Cluster mode: the nodes and their health; single-node mode says so. */
  cluster: Remote<ClusterAnswer>;
  connectionQuery: ConnectionQuery;
  bridge: Remote<BridgeHealth>;
  logStats: LogStatsView | null;
  /** Rows written per second, sampled on every log.stats push. */
  writeRates: number[];
  reconnectMessage: string | null;
  load(): Promise<void>;
  loadConnections(query?: Partial<ConnectionQuery>): Promise<void>;
  loadCluster(): Promise<void>;
  reconnectBridge(): Promise<void>;
  configureBridge(url: string, token: string): Promise<string | null>;
}

const SAMPLES = 60;

export const useHealth = create<HealthState>((set, get) => ({
  heartbeatAt: null,
  consoleConnections: null,
  hubStats: { state: 'idle' },
  throughput: [],
  connections: { state: 'idle' },
  cluster: { state: 'idle' },
  connectionQuery: { search: '', staleOnly: false },
  bridge: { state: 'idle' },
  logStats: null,
  writeRates: [],
  reconnectMessage: null,
  async load() {
    const [hub, bridge] = await Promise.all([api.call('hub.stats', {}), api.call('bridge.health', {})]);
    set({
      hubStats: toRemote(hub, get().hubStats),
      bridge: toRemote(bridge, get().bridge)
    });
  },
  async loadConnections(patch = {}) {
    const query = { ...get().connectionQuery, ...patch };
    const previous = get().connections;
    set({ connectionQuery: query, connections: { state: 'loading', value: 'value' in previous ? previous.value : undefined } });
    const result = await api.call('hub.connections', { search: query.search || undefined, staleOnly: query.staleOnly, limit: 1000 });
    set({ connections: toRemote(result, previous) });
  },
  async loadCluster() {
    set({ cluster: toRemote(await api.call('hub.cluster', {}), get().cluster) });
  },
  async configureBridge(url, token) {
    const result = await api.call('bridge.configure', token ? { url, token } : { url });
    if (!result.ok) return result.error.message;
    set({ bridge: { state: 'ok', value: result.value, at: Date.now() }, reconnectMessage: `CAD set to ${url}; link is ${result.value.status}.` });
    return null;
  },
  async reconnectBridge() {
    const result = await api.call('bridge.reconnect', {});
    set({
      reconnectMessage: result.ok ? `Reconnect requested; link is ${result.value.status}.` : result.error.message,
      bridge: result.ok ? { state: 'ok', value: result.value, at: Date.now() } : get().bridge
    });
  }
}));

export function cadLinkOf(bridge: Remote<BridgeHealth>): CadLink {
  return bridge.state === 'ok' ? bridge.value.status : 'unknown';
}

/** The log's numbers from a log.stats push (already parsed by the contract's LogStatsSchema). */
function toLogStats(stats: EventPayload<'log.stats'>): LogStatsView {
  return {
    writeRate: stats.write_rate,
    totalRows: stats.total_rows,
    dbSizeBytes: stats.db_size_bytes,
    walSizeBytes: stats.wal_size_bytes,
    queueDepth: stats.queue_depth,
    at: Date.now()
  };
}

type HealthEvent =
  | { name: 'system.heartbeat'; payload: EventPayload<'system.heartbeat'> }
  | { name: 'hub.stats'; payload: EventPayload<'hub.stats'> }
  | { name: 'bridge.health'; payload: EventPayload<'bridge.health'> }
  | { name: 'log.stats'; payload: EventPayload<'log.stats'> };

const HEALTH_EVENTS = ['system.heartbeat', 'hub.stats', 'bridge.health', 'log.stats'] as const;

/** Heartbeats, hub/bridge/log statistics pushed by the core (payloads parsed by their contract schemas). */
export function subscribeHealth(): () => void {
  const push = frameBatch<HealthEvent>((items) => {
    const state = useHealth.getState();
    const patch: Partial<HealthState> = {};
    for (const item of items) {
      switch (item.name) {
        case 'system.heartbeat':
          patch.heartbeatAt = Date.now();
          patch.consoleConnections = item.payload.connections;
          break;
        case 'hub.stats':
          patch.hubStats = { state: 'ok', value: item.payload, at: Date.now() };
          patch.throughput = [...(patch.throughput ?? state.throughput), item.payload.events_in_per_sec].slice(-SAMPLES);
          break;
        case 'bridge.health':
          patch.bridge = { state: 'ok', value: item.payload, at: Date.now() };
          break;
        case 'log.stats': {
          const stats = toLogStats(item.payload);
          patch.logStats = stats;
          patch.writeRates = [...(patch.writeRates ?? state.writeRates), stats.writeRate].slice(-SAMPLES);
          break;
        }
      }
    }
    useHealth.setState(patch);
  });
  return api.on(HEALTH_EVENTS, (name, payload) => push({ name, payload } as HealthEvent));
}
