import { Gauge } from 'prom-client';
import type { MetricsRegistry } from '../metrics/registry';
import type { UserIndexer } from './userIndex/userIndexer';
import type { WriterStats } from './write/writer';

/** Where the socket log commits and how much waits, read at scrape time: a commit thread that died shows as 0. */
export function registerLogMetrics(registry: MetricsRegistry, log: { stats(): WriterStats; userIndex: Pick<UserIndexer, 'last'> }): void {
  new Gauge({
    name: 'switchboard_log_commit_thread',
    help: 'Socket log group commits run on the commit thread (1) or the main thread (0).',
    registers: [registry],
    collect() {
      this.set(log.stats().committing === 'thread' ? 1 : 0);
    }
  });
  new Gauge({
    name: 'switchboard_log_queue_depth',
    help: 'Socket log operations waiting for the next group commit.',
    registers: [registry],
    collect() {
      this.set(log.stats().queueDepth);
    }
  });
  new Gauge({
    name: 'switchboard_log_user_index_behind',
    help: 'Log rows not yet in the per-user index (per-user queries scan them directly).',
    registers: [registry],
    collect() {
      this.set(log.userIndex.last()?.behind ?? 0);
    }
  });
}
