import v8 from 'node:v8';
import type { AlertCenter } from '../alerts/alertCenter';
import { Gauge, Registry } from 'prom-client';
import type { Hub } from './hub';
import type { MetricsRegistry } from '../metrics/registry';

/** The recovery adapter's private state (socket.io 4.8's SessionAwareAdapter plus ours), read for accounting only. */
interface AdapterInternals {
  sessions?: Map<string, unknown>;
  packets?: unknown[];
  roomSessions?: Map<string, unknown>;
  ownerSessions?: Map<string, unknown>;
  rooms?: Map<string, unknown>;
}

/**
 * Entries each long-lived in-memory structure holds. Every one of them must be
 * bounded by load (connections, rooms, devices), never grow with uptime: the
 * soak test reads these to tell a leak from a heap that is still settling.
 */
export function retainedEntries(alerts: AlertCenter, hub: Hub): Record<string, number> {
  const adapter = hub.nsp.adapter as unknown as AdapterInternals;
  const counters = [hub.metrics.eventsIn, hub.metrics.eventsOut, hub.metrics.rejections, hub.metrics.connectionsRefused];
  let localRooms = 0;
  for (const room of hub.registry.localRoomNames()) if (room) localRooms += 1;
  return {
    registry_connections: [...hub.registry.all()].length,
    registry_rooms: localRooms,
    room_history_rooms: hub.history.roomCount(),
    room_history_messages: hub.history.messageCount(),
    recovery_sessions: adapter.sessions?.size ?? 0,
    recovery_packets: adapter.packets?.length ?? 0,
    recovery_room_index: adapter.roomSessions?.size ?? 0,
    recovery_owner_index: adapter.ownerSessions?.size ?? 0,
    socketio_rooms: adapter.rooms?.size ?? 0,
    alerts: alerts.list({ includeResolved: true, limit: 1_000_000 }).length,
    metric_series: counters.reduce((n, c) => n + c.series, 0)
  };
}

/**
 * Heap in use right after a full collection: what the process really keeps.
 * Only when the process was started with --expose-gc (tests and soak runs, on
 * purpose): forcing a collection on a production scrape would pause the hub.
 * A registry of its own, for the one scrape that asked for it.
 */
export function heapAfterGcMetrics(): Registry | null {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (typeof gc !== 'function') return null;
  gc();
  const registry = new Registry();
  new Gauge({
    name: 'switchboard_heap_used_after_gc_bytes',
    help: 'V8 heap in use right after a forced full collection (only with --expose-gc and ?gc=1).',
    registers: [registry]
  }).set(v8.getHeapStatistics().used_heap_size);
  return registry;
}

/** The retained entries and the process's memory by kind, read at scrape time. */
export function registerRetainedGauges(registry: MetricsRegistry, alerts: AlertCenter, hub: Hub): void {
  new Gauge({
    name: 'switchboard_retained_entries',
    help: 'Entries held by long-lived in-memory structures, by domain (bounded by load, not by uptime).',
    labelNames: ['domain'],
    registers: [registry],
    collect() {
      for (const [domain, value] of Object.entries(retainedEntries(alerts, hub))) this.set({ domain }, value);
    }
  });
  new Gauge({
    name: 'switchboard_process_memory_bytes',
    help: 'Process memory by kind: V8 heap committed and used, memory outside the V8 heap (external, array buffers), resident set.',
    labelNames: ['kind'],
    registers: [registry],
    collect() {
      const memory = process.memoryUsage();
      this.set({ kind: 'heap_total' }, memory.heapTotal);
      this.set({ kind: 'heap_used' }, memory.heapUsed);
      this.set({ kind: 'external' }, memory.external);
      this.set({ kind: 'array_buffers' }, memory.arrayBuffers);
      this.set({ kind: 'rss' }, memory.rss);
    }
  });
}
