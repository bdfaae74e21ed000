/**
 * Small dependency-free SVG charts: a sparkline for the status strip and the
 * health view, and a line chart with threshold lines for statistics and vitals.
 */

export function Sparkline({ values, width = 120, height = 28, color = '#58a6ff', label }: { values: number[]; width?: number; height?: number; color?: string; label: string }) {
  if (values.length < 2) return <svg className="sparkline" width={width} height={height} role="img" aria-label={`${label}: not enough data yet`} />;
  const max = Math.max(...values, 1);
  const step = width / (values.length - 1);
  const points = values.map((v, i) => `${(i * step).toFixed(1)},${(height - 2 - (v / max) * (height - 4)).toFixed(1)}`).join(' ');
  return (
    <svg className="sparkline" width={width} height={height} role="img" aria-label={`${label}: latest ${values[values.length - 1]}`}>
      <polyline points={points} fill="none" stroke={color} strokeWidth={1.5} />
    </svg>
  );
}

const compact = new Intl.NumberFormat('en-US', { notation: 'compact', maximumFractionDigits: 1 });

/**
 * An axis label short enough to fit: milliseconds of a second or more read as
 * seconds (or minutes), large counts compactly ("265,655.5 ms" was cut to "5.5 ms").
 */
export function formatTick(v: number, unit: string): string {
  if (unit.trim() === 'ms' && Math.abs(v) >= 1000) {
    const seconds = v / 1000;
    return Math.abs(seconds) >= 120 ? `${compact.format(seconds / 60)} min` : `${compact.format(seconds)} s`;
  }
  const rounded = Math.round(v * 10) / 10;
  return `${Math.abs(rounded) >= 10_000 ? compact.format(rounded) : rounded}${unit}`;
}

export interface Series {
  name: string;
  color: string;
  points: Array<{ t: number; v: number }>;
}

export interface ThresholdLine {
  label: string;
  value: number;
  color?: string;
}

export function LineChart({
  series,
  thresholds = [],
  width = 560,
  height = 180,
  unit = '',
  title,
  zeroBased = true,
  ceiling
}: {
  series: Series[];
  thresholds?: ThresholdLine[];
  width?: number;
  height?: number;
  unit?: string;
  title: string;
  /** Counts start at zero; vitals read better around their own range. */
  zeroBased?: boolean;
  /** The largest value the measure can take (100 for a percentage of a whole). */
  ceiling?: number;
}) {
  const all = series.flatMap((s) => s.points);
  if (!all.length) {
    return (
      <figure className="chart chart--empty">
        <figcaption>{title}</figcaption>
        <p>No data in this range.</p>
      </figure>
    );
  }
  const tMin = Math.min(...all.map((p) => p.t));
  const tMax = Math.max(...all.map((p) => p.t), tMin + 1);
  const values = [...all.map((p) => p.v), ...thresholds.map((t) => t.value)];
  const low = Math.min(...values);
  const high = Math.max(...values);
  const span = Math.max(1, high - low);
  const vMin = zeroBased ? Math.min(0, low) : low - span * 0.15;
  // A percentage of a whole tops out at 100: the axis says so instead of inventing headroom above it.
  const vMax = ceiling !== undefined && high <= ceiling ? ceiling : zeroBased ? Math.max(high, vMin + 1) * 1.1 : high + span * 0.15;
  const ticks = [vMin, (vMin + vMax) / 2, vMax];
  const tickLabels = ticks.map((v) => formatTick(v, unit));
  // Room for the longest label (about 7 px a character at the tick size): labels are never cut.
  const pad = { left: Math.max(44, 10 + 7 * Math.max(...tickLabels.map((l) => l.length))), right: 12, top: 12, bottom: 22 };
  const x = (t: number) => pad.left + ((t - tMin) / (tMax - tMin)) * (width - pad.left - pad.right);
  const y = (v: number) => pad.top + (1 - (v - vMin) / (vMax - vMin)) * (height - pad.top - pad.bottom);
  const fmtT = (t: number) => new Date(t).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit', hour12: false });
  return (
    <figure className="chart">
      <figcaption>
        {title}
        <span className="chart__legend">
          {series.map((s) => (
            <span key={s.name} style={{ color: s.color }}>
              ■ {s.name}
            </span>
          ))}
        </span>
      </figcaption>
      <svg width="100%" viewBox={`0 0 ${width} ${height}`} role="img" aria-label={title} data-max={Math.max(...all.map((p) => p.v))}>
        {ticks.map((v, i) => (
          <g key={v}>
            <line x1={pad.left} x2={width - pad.right} y1={y(v)} y2={y(v)} className="chart__grid" />
            <text x={pad.left - 6} y={y(v) + 4} textAnchor="end" className="chart__tick" data-tick={v}>
              {tickLabels[i]}
            </text>
          </g>
        ))}
        <text x={pad.left} y={height - 6} className="chart__tick">
          {fmtT(tMin)}
        </text>
        <text x={width - pad.right} y={height - 6} textAnchor="end" className="chart__tick">
          {fmtT(tMax)}
        </text>
        {thresholds.map((t) => (
          <g key={t.label}>
            <line x1={pad.left} x2={width - pad.right} y1={y(t.value)} y2={y(t.value)} stroke={t.color ?? '#f85149'} strokeDasharray="6 4" />
            <text x={width - pad.right - 4} y={y(t.value) - 4} textAnchor="end" className="chart__tick" fill={t.color ?? '#f85149'}>
              {t.label}
            </text>
          </g>
        ))}
        {series.map((s) => (
          <polyline
            key={s.name}
            fill="none"
            stroke={s.color}
            strokeWidth={2}
            points={s.points.map((p) => `${x(p.t).toFixed(1)},${y(p.v).toFixed(1)}`).join(' ')}
          />
        ))}
      </svg>
    </figure>
  );
}
