import v8 from 'node:v8';
import type { AlertCenter } from '../alerts/alertCenter';
import type { Hub } from './hub';
import { gauge } from './metrics';

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
 */
function heapAfterGc(): number | null {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (typeof gc !== 'function') return null;
  gc();
  return v8.getHeapStatistics().used_heap_size;
}

export function retainedGauges(alerts: AlertCenter, hub: Hub, collect: boolean): string {
  const entries = retainedEntries(alerts, hub);
  const parts = [
    gauge(
      'switchboard_retained_entries',
      'Entries held by long-lived in-memory structures, by domain (bounded by load, not by uptime).',
      Object.entries(entries).map(([domain, value]) => ({ labels: { domain }, value }))
    )
  ];
  const memory = process.memoryUsage();
  parts.push(
    gauge(
      'switchboard_process_memory_bytes',
      'Process memory by kind: V8 heap committed and used, memory outside the V8 heap (external, array buffers), resident set.',
      [
        { labels: { kind: 'heap_total' }, value: memory.heapTotal },
        { labels: { kind: 'heap_used' }, value: memory.heapUsed },
        { labels: { kind: 'external' }, value: memory.external },
        { labels: { kind: 'array_buffers' }, value: memory.arrayBuffers },
        { labels: { kind: 'rss' }, value: memory.rss }
      ]
    )
  );
  const heap = collect ? heapAfterGc() : null;
  if (heap !== null) parts.push(gauge('switchboard_heap_used_after_gc_bytes', 'V8 heap in use right after a forced full collection (only with --expose-gc and ?gc=1).', [{ value: heap }]));
  return parts.join('\n');
}
