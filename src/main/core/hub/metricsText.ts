import { z } from 'zod';
import type { BridgeHealth } from '../../../shared/contract/bridge';
import { OPERATOR_ROLES } from '../../../shared/roles';
import type { AlertCenter } from '../alerts/alertCenter';
import type { CoreContext } from '../coreContext';
import type { SocketLog } from '../log/service';
import type { Hub } from './hub';
import { gauge } from './metrics';
import { retainedGauges } from './retainedSizes';

/** Where the socket log commits and how much waits: a thread that died shows as 0 here. */
function logWriterGauges(log: MetricsSources['log']): string {
  const s = log.stats();
  return [
    gauge('switchboard_log_commit_thread', 'Socket log group commits run on the commit thread (1) or the main thread (0).', [{ value: s.committing === 'thread' ? 1 : 0 }]),
    gauge('switchboard_log_queue_depth', 'Socket log operations waiting for the next group commit.', [{ value: s.queueDepth }]),
    gauge('switchboard_log_user_index_behind', 'Log rows not yet in the per-user index (per-user queries scan them directly).', [{ value: log.userIndex.last()?.behind ?? 0 }])
  ].join('\n');
}

/** What /metrics reads: every domain with figures an operator graphs. */
export interface MetricsSources {
  hub: Hub;
  alerts: AlertCenter;
  log: Pick<SocketLog, 'stats' | 'userIndex'>;
  bridge: { health(): BridgeHealth };
}

/** GET /metrics: hub counters and histograms, the log writer, alerts, plus the CAD bridge's state and outbox depth. */
export function renderMetrics(sources: MetricsSources, options: { collectGarbage?: boolean } = {}): string {
  const { hub, alerts, bridge } = sources;
  const byRoleTransport = new Map<string, { role: string; transport: string; value: number }>();
  for (const conn of hub.registry.all()) {
    const key = `${conn.identity.role}|${conn.transport}`;
    const entry = byRoleTransport.get(key);
    if (entry) entry.value++;
    else byRoleTransport.set(key, { role: conn.identity.role, transport: conn.transport, value: 1 });
  }
  const parts = [
    gauge(
      'switchboard_hub_connections',
      'Live hub connections by role and transport.',
      [...byRoleTransport.values()].map((e) => ({ labels: { role: e.role, transport: e.transport }, value: e.value }))
    ),
    hub.metrics.eventsIn.render(),
    hub.metrics.eventsOut.render(),
    hub.metrics.rejections.render(),
    hub.metrics.connectionsRefused.render(),
    hub.metrics.ackLatency.render(),
    hub.metrics.logCommitLatency.render(),
    logWriterGauges(sources.log),
    retainedGauges(alerts, hub, options.collectGarbage === true),
    gauge('switchboard_hub_rooms_with_history', 'Rooms holding recent messages for resume.', [{ value: hub.history.roomCount() }]),
    gauge('switchboard_alerts_open', 'Open alerts by severity.', (['critical', 'warning', 'info'] as const).map((severity) => ({
      labels: { severity },
      value: alerts.list({ limit: 100_000 }).filter((a) => a.severity === severity).length
    })))
  ];
  try {
    const health = bridge.health();
    parts.push(
      gauge('switchboard_bridge_connected', 'CAD bridge link up (1) or down (0).', [{ value: health.bridge.connected ? 1 : 0 }]),
      gauge(
        'switchboard_bridge_state',
        'CAD bridge status (1 for the current one).',
        (['healthy', 'degraded', 'disconnected'] as const).map((status) => ({ labels: { status }, value: health.status === status ? 1 : 0 }))
      ),
      gauge('switchboard_bridge_outbox_depth', 'Messages waiting in the bridge outbox.', [{ value: health.bridge.outbox.pending }]),
      gauge('switchboard_bridge_outbox_rejected', 'Outbox messages the CAD rejected.', [{ value: health.bridge.outbox.rejected }])
    );
  } catch (err) {
    hub.logger.warn({ err }, 'bridge health unavailable for metrics');
  }
  return parts.join('\n') + '\n';
}

/** Registered once every domain it reads has started (the bridge starts last). */
export function registerMetricsRoute(ctx: Pick<CoreContext, 'http'>, sources: MetricsSources): void {
  ctx.http.router.route({
    method: 'GET',
    url: '/metrics',
    summary: 'Prometheus metrics (text exposition format).',
    tags: ['realtime'],
    auth: OPERATOR_ROLES,
    /** gc=1: also a forced collection's heap figure, honoured only in a process started with --expose-gc (soak runs). */
    query: z.object({ gc: z.enum(['0', '1']).optional() }).passthrough(),
    response: z.string(),
    handler: ({ reply, query }) => {
      reply.header('content-type', 'text/plain; version=0.0.4; charset=utf-8');
      return renderMetrics(sources, { collectGarbage: query.gc === '1' });
    }
  });
}
