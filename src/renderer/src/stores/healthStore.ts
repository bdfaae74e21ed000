import { create } from 'zustand';
import type { MethodOutput } from '../../../shared/contract';
import type { BridgeHealth } from '../../../shared/contract/bridge';
import type { HubStats } from '../../../shared/contract/hub';
import { api } from '../lib/api';
import { frameBatch } from '../lib/frameBatch';
import { numberField, toRemote, type Remote } from './remote';

export type CadLink = 'healthy' | 'degraded' | 'disconnected' | 'unknown';
export type ConnectionsAnswer = MethodOutput<'hub.connections'>;

/** The log's own health numbers (pushed as log.stats once the log domain is in the contract). */
export interface LogStatsView {
  writeRate: number | null;
  totalRows: number | null;
  dbSizeBytes: number | null;
  walSizeBytes: number | null;
  queueDepth: number | null;
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
  connectionQuery: ConnectionQuery;
  bridge: Remote<BridgeHealth>;
  logStats: LogStatsView | null;
  /** Rows written per second, sampled on every log.stats push. */
  writeRates: number[];
  reconnectMessage: string | null;
  load(): Promise<void>;
  loadConnections(query?: Partial<ConnectionQuery>): Promise<void>;
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
  connectionQuery: { search: '', staleOnly: false },
  bridge: { state: 'idle' },
  logStats: null,
  writeRates: [],
  reconnectMessage: null,
  async load() {
    const [hub, bridge] = await Promise.all([api.call('hub.stats', {}), api.call('bridge.health', {})]);
    set({
      hubStats: toRemote(hub, (v) => v as HubStats, get().hubStats),
      bridge: toRemote(bridge, (v) => v as BridgeHealth, get().bridge)
    });
  },
  async loadConnections(patch = {}) {
    const query = { ...get().connectionQuery, ...patch };
    const previous = get().connections;
    set({ connectionQuery: query, connections: { state: 'loading', value: 'value' in previous ? previous.value : undefined } });
    const result = await api.call('hub.connections', { search: query.search || undefined, staleOnly: query.staleOnly, limit: 1000 });
    set({ connections: toRemote(result, (v) => v as ConnectionsAnswer, previous) });
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

function toLogStats(payload: unknown): LogStatsView {
  return {
    writeRate: numberField(payload, 'write_rate'),
    totalRows: numberField(payload, 'total_rows'),
    dbSizeBytes: numberField(payload, 'db_size_bytes'),
    walSizeBytes: numberField(payload, 'wal_size_bytes'),
    queueDepth: numberField(payload, 'queue_depth'),
    at: Date.now()
  };
}

/** Heartbeats, hub/bridge/log statistics pushed by the core. */
export function subscribeHealth(): () => void {
  const push = frameBatch<{ name: string; payload: unknown }>((items) => {
    const state = useHealth.getState();
    const patch: Partial<HealthState> = {};
    for (const { name, payload } of items) {
      if (name === 'system.heartbeat') {
        patch.heartbeatAt = Date.now();
        patch.consoleConnections = (payload as { connections: number }).connections;
      } else if (name === 'hub.stats') {
        const stats = payload as HubStats;
        patch.hubStats = { state: 'ok', value: stats, at: Date.now() };
        patch.throughput = [...(patch.throughput ?? state.throughput), stats.events_in_per_sec].slice(-SAMPLES);
      } else if (name === 'bridge.health') {
        patch.bridge = { state: 'ok', value: payload as BridgeHealth, at: Date.now() };
      } else if (name === 'log.stats') {
        const stats = toLogStats(payload);
        patch.logStats = stats;
        if (stats.writeRate !== null) patch.writeRates = [...(patch.writeRates ?? state.writeRates), stats.writeRate].slice(-SAMPLES);
      }
    }
    useHealth.setState(patch);
  });
  return api.on(['system.heartbeat', 'hub.stats', 'bridge.health', 'log.stats'], (name, payload) => push({ name, payload }));
}
