/**
 * Prometheus text exposition, written by hand (no client library): counters
 * and gauges with labels, and fixed-bucket histograms.
 */
const escapeLabel = (v: string) => v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
const labelText = (labels: Record<string, string>) => {
  const keys = Object.keys(labels);
  return keys.length ? `{${keys.map((k) => `${k}="${escapeLabel(labels[k] ?? '')}"`).join(',')}}` : '';
};

export class Counter {
  private readonly values = new Map<string, { labels: Record<string, string>; value: number }>();
  constructor(
    readonly name: string,
    readonly help: string
  ) {}
  inc(labels: Record<string, string> = {}, by = 1): void {
    // Called for every event: a plain concatenation as the key; escaping waits for render().
    let key = '';
    for (const k in labels) key += `${k}\u0000${labels[k]}\u0001`;
    const entry = this.values.get(key);
    if (entry) entry.value += by;
    else this.values.set(key, { labels, value: by });
  }
  /** Label combinations held (each is kept for the process's lifetime). */
  get series(): number {
    return this.values.size;
  }
  total(): number {
    let sum = 0;
    for (const entry of this.values.values()) sum += entry.value;
    return sum;
  }
  render(): string {
    const lines = [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} counter`];
    for (const { labels, value } of this.values.values()) lines.push(`${this.name}${labelText(labels)} ${value}`);
    return lines.join('\n');
  }
}

export class Histogram {
  private readonly counts: number[];
  private sum = 0;
  private count = 0;
  constructor(
    readonly name: string,
    readonly help: string,
    readonly buckets: readonly number[] = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5]
  ) {
    this.counts = buckets.map(() => 0);
  }
  observe(seconds: number): void {
    this.sum += seconds;
    this.count += 1;
    for (let i = 0; i < this.buckets.length; i++) if (seconds <= this.buckets[i]!) this.counts[i]! += 1;
  }
  render(): string {
    const lines = [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} histogram`];
    this.buckets.forEach((le, i) => lines.push(`${this.name}_bucket{le="${le}"} ${this.counts[i]}`));
    lines.push(`${this.name}_bucket{le="+Inf"} ${this.count}`, `${this.name}_sum ${this.sum}`, `${this.name}_count ${this.count}`);
    return lines.join('\n');
  }
}

export function gauge(name: string, help: string, samples: Array<{ labels?: Record<string, string>; value: number }>): string {
  const lines = [`# HELP ${name} ${help}`, `# TYPE ${name} gauge`];
  for (const s of samples) lines.push(`${name}${labelText(s.labels ?? {})} ${s.value}`);
  return lines.join('\n');
}

export interface HubMetrics {
  eventsIn: Counter;
  eventsOut: Counter;
  rejections: Counter;
  connectionsRefused: Counter;
  ackLatency: Histogram;
  logCommitLatency: Histogram;
}

export function createHubMetrics(): HubMetrics {
  return {
    eventsIn: new Counter('switchboard_hub_events_in_total', 'Client events received, by event.'),
    eventsOut: new Counter('switchboard_hub_events_out_total', 'Messages delivered to clients, by event and transport.'),
    rejections: new Counter('switchboard_hub_rejections_total', 'Client events refused, by reason code (RATE_LIMITED, VALIDATION_FAILED, ...).'),
    connectionsRefused: new Counter('switchboard_hub_connections_refused_total', 'Connections refused at authentication, by code and transport.'),
    ackLatency: new Histogram('switchboard_hub_ack_latency_seconds', 'Time from receiving a client event to acknowledging it.'),
    logCommitLatency: new Histogram('switchboard_hub_log_commit_latency_seconds', 'Time from queueing a socket-log row to its commit.')
  };
}
