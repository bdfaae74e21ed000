import { steadyNow } from '../../clock';
import type { Logger } from 'pino';
import type { AlertCenter } from '../../alerts/alertCenter';
import type { EventBus } from '../../contract/bus';
import type { LogThresholds } from '../config';
import type { LogStorage } from '../storage/LogStorage';
import { CONNECTION_EVENT_TYPES, summarize } from './statistics';
import { ceilTo, floorTo, MINUTE_MS } from '../store/time';
import type { LogWriter } from '../write/writer';

export interface ThresholdVerdict {
  key: string;
  breached: boolean;
  title: string;
  message: string;
  data: Record<string, unknown>;
}

/**
 * The seed's alert thresholds, judged over a trailing window of the counters.
 * Pure, so tests can feed it numbers; the monitor raises or clears one alert
 * per threshold from the verdicts.
 */
export function judge(
  window: ReturnType<typeof summarize>,
  burst: ReturnType<typeof summarize>,
  t: LogThresholds
): ThresholdVerdict[] {
  const enough = window.total_events >= t.minSample;
  return [
    {
      key: 'log_threshold:response_rate',
      breached: window.ambulance_requests >= t.minSample && window.response_rate < t.minResponseRatePercent,
      title: 'Hospitals are not answering ambulance requests',
      message: `Response rate ${window.response_rate}% over the last ${t.windowMinutes} min (threshold ${t.minResponseRatePercent}%): ${window.ambulance_responses} responses to ${window.ambulance_requests} requests.`,
      data: { response_rate: window.response_rate, requests: window.ambulance_requests, responses: window.ambulance_responses }
    },
    {
      key: 'log_threshold:response_time',
      breached: enough && window.avg_response_time_ms !== null && window.avg_response_time_ms > t.maxAvgResponseTimeMs,
      title: 'Responses are slow',
      message: `Average response time ${Math.round((window.avg_response_time_ms ?? 0) / 100) / 10} s over the last ${t.windowMinutes} min (threshold ${t.maxAvgResponseTimeMs / 1000} s).`,
      data: { avg_response_time_ms: window.avg_response_time_ms }
    },
    {
      key: 'log_threshold:error_rate',
      breached: enough && window.error_rate > t.maxErrorRatePercent,
      title: 'Many events are failing',
      message: `Error rate ${window.error_rate}% over the last ${t.windowMinutes} min (threshold ${t.maxErrorRatePercent}%).`,
      data: { error_rate: window.error_rate, total: window.total_events }
    },
    {
      key: 'log_threshold:failed_connections',
      breached: burst.failed_connections >= t.failedConnectionBurst,
      title: 'Burst of failed connections',
      message: `${burst.failed_connections} connections failed in the last ${t.burstWindowSeconds} s (threshold ${t.failedConnectionBurst}).`,
      data: { failed_connections: burst.failed_connections }
    }
  ];
}

export function startMonitor(deps: {
  storage: Pick<LogStorage, 'aggregate' | 'rowCombos' | 'size'>;
  writer: Pick<LogWriter, 'stats'>;
  bus: EventBus;
  alerts: AlertCenter;
  logger: Logger;
  thresholds(): LogThresholds;
  statsIntervalMs: number;
  evaluateIntervalMs: number;
}) {
  let lastRows = deps.writer.stats().insertedRows;
  let lastAt = performance.now();
  const pushStats = () => {
    const s = deps.writer.stats();
    const nowPerf = performance.now();
    const rate = ((s.insertedRows - lastRows) * 1000) / Math.max(1, nowPerf - lastAt);
    lastRows = s.insertedRows;
    lastAt = nowPerf;
    const size = deps.storage.size();
    deps.bus.publish('log.stats', {
      at: new Date().toISOString(),
      write_rate: Math.round(rate * 10) / 10,
      total_rows: s.totalRows,
      db_size_bytes: size.bytes,
      wal_size_bytes: size.walBytes,
      queue_depth: s.queueDepth,
      last_commit_ms: Math.round(s.lastCommitMs * 100) / 100
    });
  };

  let evaluating = false;
  const evaluate = async () => {
    if (evaluating) return;
    evaluating = true;
    try {
      const t = deps.thresholds();
      const now = steadyNow();
      // Whole minutes (the current one included), so the window is read from the minute
      // counters alone: the raw rows of the partial minutes at its edges were up to
      // 400k under load, a 100 ms GROUP BY on the event loop every evaluation.
      const windowRange = { from: floorTo(now - t.windowMinutes * MINUTE_MS, MINUTE_MS), to: ceilTo(now + 1, MINUTE_MS) };
      const burstRange = { from: now - t.burstWindowSeconds * 1000, to: now + 1 };
      const window = summarize(await deps.storage.aggregate(windowRange), windowRange);
      // Only connection events, which the type index finds exactly to the second.
      const burst = summarize(await deps.storage.rowCombos({ from: burstRange.from, to: burstRange.to - 1, eventTypes: [...CONNECTION_EVENT_TYPES] }), burstRange);
      for (const v of judge(window, burst, t)) {
        if (v.breached) {
          deps.alerts.raise({ key: v.key, kind: 'log_threshold', severity: 'warning', title: v.title, message: v.message, source: 'socket-log', data: v.data });
        } else deps.alerts.clear(v.key);
      }
    } catch (err) {
      deps.logger.warn({ err }, 'socket log threshold evaluation failed');
    } finally {
      evaluating = false;
    }
  };

  const statsTimer = setInterval(pushStats, deps.statsIntervalMs);
  const evalTimer = setInterval(() => void evaluate(), deps.evaluateIntervalMs);
  statsTimer.unref();
  evalTimer.unref();
  return {
    evaluate,
    pushStats,
    close() {
      clearInterval(statsTimer);
      clearInterval(evalTimer);
    }
  };
}
