import { useEffect } from 'react';
import { LineChart, type Series } from '../../components/Chart';
import { Loading, NotAvailable } from '../../components/NotAvailable';
import { formatNumber } from '../../lib/format';
import { useLog, type RangeKey, type TimeSeries } from '../../stores/logStore';
import { valueOf } from '../../stores/remote';

const TYPE_COLORS = ['#58a6ff', '#3fb950', '#d29922', '#bc8cff', '#39c5cf', '#f0883e', '#8b949e', '#db61a2'];

/** Answered requests as a percentage, never above 100 (several hospitals may answer one request). */
export const cappedRate = (responses: number, requests: number) => (requests > 0 ? Math.min(100, Math.round((responses / requests) * 1000) / 10) : 0);

/** Per-bucket series from the time series answer: events per minute by type, rates and response time. */
export function seriesFrom(ts: TimeSeries) {
  const perMinute = ts.bucket_ms / 60_000;
  const totals = new Map<string, number>();
  for (const b of ts.buckets) for (const [type, n] of Object.entries(b.by_type)) totals.set(type, (totals.get(type) ?? 0) + n);
  const topTypes = [...totals.entries()].sort((a, b) => b[1] - a[1]).slice(0, 6).map(([t]) => t);
  const byType: Series[] = topTypes.map((type, i) => ({
    name: type,
    color: TYPE_COLORS[i % TYPE_COLORS.length]!,
    points: ts.buckets.map((b) => ({ t: Date.parse(b.start), v: (b.by_type[type] ?? 0) / perMinute }))
  }));
  // Response rate as the tile states it (answered requests over requests, at most 100%), accumulated
  // over the range: a bucket's responses often answer an earlier bucket's requests, so a rate per
  // bucket swung between 0% and 200% while the tile said 100%. The last point equals the tile.
  let requests = 0;
  let responses = 0;
  const responseRate = ts.buckets.flatMap((b) => {
    requests += b.ambulance_requests;
    responses += b.ambulance_responses;
    return requests === 0 ? [] : [{ t: Date.parse(b.start), v: cappedRate(responses, requests) }];
  });
  const rate = (pick: (b: TimeSeries['buckets'][number]) => number | null) =>
    ts.buckets.flatMap((b) => (pick(b) === null ? [] : [{ t: Date.parse(b.start), v: pick(b)! }]));
  return {
    byType,
    responseRate: [{ name: 'response rate (cumulative)', color: '#3fb950', points: responseRate }],
    responseTime: [{ name: 'avg response', color: '#58a6ff', points: rate((b) => b.avg_response_time_ms) }],
    errorRate: [{ name: 'error rate', color: '#f0883e', points: rate((b) => b.error_rate) }]
  };
}

function Figure({ label, value, testId, bad }: { label: string; value: string; testId: string; bad?: boolean }) {
  return (
    <div className={`figure${bad ? ' figure--bad' : ''}`} data-testid={testId}>
      <span className="figure__value">{value}</span>
      <span className="figure__label">{label}</span>
    </div>
  );
}

export function StatisticsSummary() {
  const statistics = useLog((s) => s.statistics);
  const series = useLog((s) => s.series);
  const stats = valueOf(statistics);
  const thresholds = valueOf(series)?.thresholds;
  if (statistics.state === 'unavailable') return <NotAvailable what="Socket log statistics" detail={statistics.message} />;
  if (statistics.state === 'error') return <NotAvailable what="Socket log statistics" detail={statistics.message} />;
  if (!stats) return <Loading what="statistics" />;
  return (
    <div className="figures" data-testid="stat-figures">
      <Figure label="events" value={formatNumber(stats.total_events)} testId="stat-total" />
      <Figure label="ambulance requests" value={formatNumber(stats.ambulance_requests)} testId="stat-requests" />
      <Figure
        label="response rate"
        value={stats.ambulance_requests === 0 ? '—' : `${formatNumber(cappedRate(stats.ambulance_responses, stats.ambulance_requests), 1)}%`}
        testId="stat-response-rate"
        bad={!!thresholds && stats.ambulance_requests >= thresholds.minSample && cappedRate(stats.ambulance_responses, stats.ambulance_requests) < thresholds.minResponseRatePercent}
      />
      <Figure
        label="avg response time"
        value={stats.avg_response_time_ms === null ? '—' : `${formatNumber(stats.avg_response_time_ms)} ms`}
        testId="stat-avg-response"
        bad={!!thresholds && stats.avg_response_time_ms !== null && stats.avg_response_time_ms > thresholds.maxAvgResponseTimeMs}
      />
      <Figure label="error rate" value={`${formatNumber(stats.error_rate, 1)}%`} testId="stat-error-rate" bad={!!thresholds && stats.error_rate > thresholds.maxErrorRatePercent} />
      <Figure label="failed connections" value={formatNumber(stats.failed_connections)} testId="stat-failed-connections" />
    </div>
  );
}

export function StatisticsCharts() {
  const series = useLog((s) => s.series);
  const ts = valueOf(series);
  if (series.state === 'unavailable' || series.state === 'error') return <NotAvailable what="Statistics over time" detail={series.message} />;
  if (!ts) return null;
  const s = seriesFrom(ts);
  const unitLabel = ts.bucket_ms >= 86_400_000 ? 'per day' : ts.bucket_ms >= 3_600_000 ? 'per hour' : 'per minute';
  return (
    <div className="charts">
      <LineChart title={`Events per minute by type (bucketed ${unitLabel})`} series={s.byType} />
      <LineChart title="Response rate" unit="%" ceiling={100} series={s.responseRate} thresholds={[{ label: `min ${ts.thresholds.minResponseRatePercent}%`, value: ts.thresholds.minResponseRatePercent }]} />
      <LineChart title="Average response time" unit=" ms" series={s.responseTime} thresholds={[{ label: `max ${ts.thresholds.maxAvgResponseTimeMs} ms`, value: ts.thresholds.maxAvgResponseTimeMs }]} />
      <LineChart title="Error rate" unit="%" ceiling={100} series={s.errorRate} thresholds={[{ label: `max ${ts.thresholds.maxErrorRatePercent}%`, value: ts.thresholds.maxErrorRatePercent }]} />
    </div>
  );
}

export function RangePicker() {
  const { range, customFrom, customTo, setRange } = useLog();
  const ranges: Array<[RangeKey, string]> = [
    ['1h', 'Last hour'],
    ['24h', '24 h'],
    ['7d', '7 days'],
    ['30d', '30 days'],
    ['custom', 'Custom']
  ];
  return (
    <div className="toolbar" role="group" aria-label="Range">
      {ranges.map(([key, label]) => (
        <button key={key} type="button" className={range === key ? 'active' : ''} onClick={() => setRange(key)} data-range={key}>
          {label}
        </button>
      ))}
      {range === 'custom' ? (
        <>
          <input type="datetime-local" aria-label="From" value={customFrom} onChange={(e) => setRange('custom', e.target.value, customTo)} />
          <input type="datetime-local" aria-label="To" value={customTo} onChange={(e) => setRange('custom', customFrom, e.target.value)} />
        </>
      ) : null}
    </div>
  );
}

export function StatisticsView() {
  const loadStatistics = useLog((s) => s.loadStatistics);
  useEffect(() => {
    void loadStatistics();
    const refresh = setInterval(() => void loadStatistics(), 30_000);
    return () => clearInterval(refresh);
  }, [loadStatistics]);
  return (
    <section className="statistics-view" aria-label="Statistics">
      <RangePicker />
      <StatisticsSummary />
      <StatisticsCharts />
    </section>
  );
}
