/** Least-squares line through (x, y) points: slope, its standard error, and the mean of y. */
export function linearTrend(points: ReadonlyArray<{ x: number; y: number }>): { slope: number; stderr: number; meanY: number } {
  const n = points.length;
  if (n < 3) return { slope: 0, stderr: Number.POSITIVE_INFINITY, meanY: n ? points.reduce((a, p) => a + p.y, 0) / n : 0 };
  const meanX = points.reduce((a, p) => a + p.x, 0) / n;
  const meanY = points.reduce((a, p) => a + p.y, 0) / n;
  let sxx = 0;
  let sxy = 0;
  for (const p of points) {
    sxx += (p.x - meanX) ** 2;
    sxy += (p.x - meanX) * (p.y - meanY);
  }
  const slope = sxx === 0 ? 0 : sxy / sxx;
  const intercept = meanY - slope * meanX;
  const residual = points.reduce((a, p) => a + (p.y - (intercept + slope * p.x)) ** 2, 0);
  const stderr = sxx === 0 ? Number.POSITIVE_INFINITY : Math.sqrt(residual / (n - 2) / sxx);
  return { slope, stderr, meanY };
}

/** Reads a Prometheus text exposition into name{labels} -> value. */
export function parseMetrics(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const at = line.lastIndexOf(' ');
    out.set(line.slice(0, at), Number(line.slice(at + 1)));
  }
  return out;
}
