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
    })
  };
}
