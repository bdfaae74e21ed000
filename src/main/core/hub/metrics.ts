import { HotCounter, HotHistogram } from '../metrics/hotMetrics';
import type { MetricsRegistry } from '../metrics/registry';

/** The hub's per-event metrics, registered on the core's registry when the hub is created. */
export interface HubMetrics {
  eventsIn: HotCounter<'event'>;
  eventsOut: HotCounter<'event' | 'transport'>;
  rejections: HotCounter<'code'>;
  connectionsRefused: HotCounter<'code' | 'transport'>;
  ackLatency: HotHistogram;
  logCommitLatency: HotHistogram;
  /** WebSocket and SSE subscribers that resumed with an id, by where the missed messages came from (memory, or Redis in cluster mode). */
  resumes: HotCounter<'transport' | 'source'>;
  /** Socket.IO reconnections that asked for connection-state recovery, by whether they got it. */
  socketioRecovery: HotCounter<'outcome'>;
  /** Cluster mode: room messages Redis did not take (Socket.IO still got them; WebSocket and SSE subscribers did not). */
  relayFailures: HotCounter<never>;
  /** Cluster mode: room message ids this node's reader never saw (it fell behind the live stream, or Redis lost them). */
  relayMissed: HotCounter<never>;
}

export function createHubMetrics(registry: MetricsRegistry): HubMetrics {
  return {
    eventsIn: new HotCounter(registry, { name: 'switchboard_hub_events_in_total', help: 'Client events received, by event.', labelNames: ['event'] }),
    eventsOut: new HotCounter(registry, {
      name: 'switchboard_hub_events_out_total',
      help: 'Messages delivered to clients, by event and transport.',
      labelNames: ['event', 'transport']
    }),
    rejections: new HotCounter(registry, {
      name: 'switchboard_hub_rejections_total',
      help: 'Client events refused, by reason code (RATE_LIMITED, VALIDATION_FAILED, ...).',
      labelNames: ['code']
    }),
    connectionsRefused: new HotCounter(registry, {
      name: 'switchboard_hub_connections_refused_total',
      help: 'Connections refused at authentication, by code and transport.',
      labelNames: ['code', 'transport']
    }),
    ackLatency: new HotHistogram(registry, { name: 'switchboard_hub_ack_latency_seconds', help: 'Time from receiving a client event to acknowledging it.' }),
    logCommitLatency: new HotHistogram(registry, {
      name: 'switchboard_hub_log_commit_latency_seconds',
      help: 'Time from queueing a socket-log row to its commit.'
    }),
    resumes: new HotCounter(registry, {
      name: 'switchboard_hub_resumes_total',
      help: 'WebSocket and SSE subscribers that resumed from a message id, by transport and where the missed messages came from.',
      labelNames: ['transport', 'source']
    }),
    socketioRecovery: new HotCounter(registry, {
      name: 'switchboard_hub_socketio_recovery_total',
      help: 'Socket.IO reconnections that asked for connection-state recovery, by outcome (recovered, not_recovered).',
      labelNames: ['outcome']
    }),
    relayFailures: new HotCounter(registry, { name: 'switchboard_cluster_relay_failures_total', help: 'Room messages Redis did not take (cluster mode).', labelNames: [] }),
    relayMissed: new HotCounter(registry, { name: 'switchboard_cluster_relay_missed_total', help: 'Room message ids this node never read from Redis (cluster mode).', labelNames: [] })
  };
}
