import { z } from 'zod';
import { OPERATOR_ROLES } from '../../../shared/roles';
import type { CoreContext } from '../coreContext';
import { heapAfterGcMetrics } from '../hub/retainedSizes';
import { METRICS_CONTENT_TYPE, scrapeMetrics } from './registry';

/** GET /metrics: everything the domains registered on the core's registry, plus the process metrics. */
export function registerMetricsRoute(ctx: Pick<CoreContext, 'http' | 'metrics'>): void {
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
      reply.header('content-type', METRICS_CONTENT_TYPE);
      return scrapeMetrics(ctx.metrics, query.gc === '1' ? (heapAfterGcMetrics() ?? undefined) : undefined);
    }
  });
}
