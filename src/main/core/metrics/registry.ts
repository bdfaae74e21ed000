import { collectDefaultMetrics, Registry } from 'prom-client';

/** The core's one metrics registry: each domain registers its own metrics on it when it starts. */
export type MetricsRegistry = Registry;

/**
 * Process metrics (CPU, heap and heap spaces, GC, event-loop lag, handles, file
 * descriptors), collected once per process: they describe the process, not one
 * core, and their collectors (a GC observer, an event-loop delay monitor) cannot
 * be stopped, so a process that starts several cores (tests) must not add one
 * set per core.
 */
let processMetrics: Registry | null = null;

function processRegistry(): Registry {
  if (!processMetrics) {
    processMetrics = new Registry();
    collectDefaultMetrics({ register: processMetrics });
  }
  return processMetrics;
}

/** A fresh registry for one core (created where the core is created). */
export function createMetricsRegistry(): MetricsRegistry {
  processRegistry();
  return new Registry();
}

/**
 * The Prometheus text exposition of the core's metrics and the process
 * metrics, plus any metrics only this scrape carries.
 */
export function scrapeMetrics(registry: MetricsRegistry, extra?: Registry): Promise<string> {
  return Registry.merge([registry, processRegistry(), ...(extra ? [extra] : [])]).metrics();
}

export const METRICS_CONTENT_TYPE = Registry.PROMETHEUS_CONTENT_TYPE;
