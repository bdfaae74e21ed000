import { Counter, Histogram, type MetricType, type Registry } from 'prom-client';

// prom-client's typings declare MetricType as a numeric enum; at run time the type is the string the exposition prints.
const HISTOGRAM_TYPE = 'histogram' as unknown as MetricType;

/**
 * prom-client metrics for the hub's hot path (every device event). prom-client
 * builds a label hash string and validates labels on every inc/observe; here a
 * labelled child is looked up through nested Maps by its label values (no
 * string is built) and counts in a plain number. Prometheus reads the children
 * at scrape time, so the per-event cost is a Map lookup and an addition.
 */
export interface HotCounterChild {
  inc(by?: number): void;
}

class CounterChild implements HotCounterChild {
  value = 0;
  /** What the prom-client counter has been given so far. */
  reported = 0;
  constructor(readonly labels: Record<string, string>) {}
  inc(by = 1): void {
    this.value += by;
  }
}

/** A counter with up to two labels; `child()` is the hot-path entry, cache its result where the labels are fixed. */
export class HotCounter<L extends string = string> {
  private readonly byFirst = new Map<string, CounterChild | Map<string, CounterChild>>();
  private readonly all: CounterChild[] = [];
  private readonly labelNames: readonly L[];

  constructor(
    registry: Registry,
    options: { name: string; help: string; labelNames: readonly L[] }
  ) {
    if (options.labelNames.length > 2) throw new Error(`HotCounter ${options.name}: at most two labels`);
    const labelNames = options.labelNames;
    const all = this.all;
    this.labelNames = labelNames;
    new Counter<L>({
      name: options.name,
      help: options.help,
      labelNames,
      registers: [registry],
      // Hand prom-client what was counted since the last scrape.
      collect() {
        for (const child of all) {
          if (child.value === child.reported) continue;
          this.inc(child.labels as Partial<Record<L, string>>, child.value - child.reported);
          child.reported = child.value;
        }
      }
    });
  }

  /** The child for these label values (in labelNames order), created on first use. */
  child(first = '', second = ''): HotCounterChild {
    const found = this.byFirst.get(first);
    if (this.labelNames.length < 2) {
      if (found) return found as CounterChild;
      return this.create(first, second, null);
    }
    const inner = found as Map<string, CounterChild> | undefined;
    const child = inner?.get(second);
    return child ?? this.create(first, second, inner);
  }

  private create(first: string, second: string, inner: Map<string, CounterChild> | null | undefined): CounterChild {
    const labels: Record<string, string> = {};
    const values = [first, second];
    this.labelNames.forEach((name, i) => (labels[name] = values[i]!));
    const child = new CounterChild(labels);
    this.all.push(child);
    if (this.labelNames.length < 2) this.byFirst.set(first, child);
    else if (inner) inner.set(second, child);
    else this.byFirst.set(first, new Map([[second, child]]));
    return child;
  }

  /** Label combinations held (each is kept for the process's lifetime). */
  get series(): number {
    return this.all.length;
  }

  total(): number {
    let sum = 0;
    for (const child of this.all) sum += child.value;
    return sum;
  }
}

const DEFAULT_SECONDS_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];

/**
 * A label-less histogram of seconds. `record()` adds to plain arrays; the
 * exposition (buckets cumulative, _sum, _count) is built at scrape time in the
 * shape prom-client's own histogram produces.
 */
export class HotHistogram extends Histogram<string> {
  private readonly metricName: string;
  private readonly metricHelp: string;
  private readonly bounds: readonly number[];
  private readonly counts: number[];
  private total = 0;
  private observations = 0;

  constructor(registry: Registry, options: { name: string; help: string; buckets?: readonly number[] }) {
    const buckets = [...(options.buckets ?? DEFAULT_SECONDS_BUCKETS)];
    super({ name: options.name, help: options.help, buckets, registers: [registry] });
    this.metricName = options.name;
    this.metricHelp = options.help;
    this.bounds = buckets;
    this.counts = buckets.map(() => 0);
  }

  record(seconds: number): void {
    this.total += seconds;
    this.observations += 1;
    const bounds = this.bounds;
    for (let i = 0; i < bounds.length; i++) {
      if (seconds <= bounds[i]!) {
        this.counts[i]! += 1;
        return;
      }
    }
  }

  override async get(): ReturnType<Histogram<string>['get']> {
    const name = this.metricName;
    const values: Array<{ labels: Record<string, string | number>; value: number; metricName: string }> = [];
    let cumulative = 0;
    this.bounds.forEach((le, i) => {
      cumulative += this.counts[i]!;
      values.push({ labels: { le }, value: cumulative, metricName: `${name}_bucket` });
    });
    values.push(
      { labels: { le: '+Inf' }, value: this.observations, metricName: `${name}_bucket` },
      { labels: {}, value: this.total, metricName: `${name}_sum` },
      { labels: {}, value: this.observations, metricName: `${name}_count` }
    );
    return { name, help: this.metricHelp, type: HISTOGRAM_TYPE, aggregator: 'sum', collect: () => undefined, values };
  }

  /** The registry renders through this when a metric has it (prom-client's histogram does). */
  async getForPromString(): ReturnType<Histogram<string>['get']> {
    return this.get();
  }
}
