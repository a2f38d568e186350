import type { Metric, Registry } from "prom-client";

/** What the registry prints after `# TYPE` (prom-client's runtime values, not its typings' enum). */
type FamilyType = "counter" | "histogram";

type Labels<L extends string> = Readonly<Record<L, string>>;

/** One counter series: the hot path adds to a number. */
export class CounterChild<L extends string> {
  value = 0;

  constructor(readonly labels: Labels<L>) {}

  inc(by = 1): void {
    this.value += by;
  }
}

/** One histogram series: per-bucket counts (the last is +Inf), sum and count. */
export class HistogramChild<L extends string> {
  readonly counts: Float64Array;
  sum = 0;
  count = 0;

  constructor(
    readonly labels: Labels<L>,
    readonly bounds: readonly number[],
  ) {
    this.counts = new Float64Array(bounds.length + 1);
  }

  observe(value: number): void {
    const bounds = this.bounds;
    let i = 0;
    while (i < bounds.length && value > (bounds[i] as number)) i++;
    this.counts[i] = (this.counts[i] as number) + 1;
    this.sum += value;
    this.count++;
  }
}

/** A sample as prom-client's registry renders it (`sharedLabels` after `labels`). */
interface Sample {
  readonly metricName?: string;
  readonly labels: Readonly<Record<string, string | number>>;
  readonly sharedLabels?: Readonly<Record<string, string>>;
  readonly value: number;
}

/**
 * A family of series registered in a prom-client registry like any of its
 * metrics, whose children are plain numbers. prom-client's own children
 * hash and validate their labels on every update (a profile put the
 * request and upstream-call metrics at 5 % of a composite's own CPU); here
 * a child is resolved once per label set and the hot path does arithmetic.
 * The registry renders them exactly as it renders its own.
 */
abstract class Family<L extends string, C extends { readonly labels: Labels<L> }> {
  readonly aggregator = "sum";
  readonly #children = new Map<string, C>();

  constructor(
    readonly name: string,
    readonly help: string,
    readonly labelNames: readonly L[],
    registry: Registry,
  ) {
    registry.registerMetric(this as unknown as Metric);
  }

  abstract readonly type: FamilyType;

  /** The series of `labels` (made at zero the first time): resolve it once, update it per event. */
  child(labels: Labels<L>): C {
    let key = "";
    for (const name of this.labelNames) key += `${labels[name]}\u0000`;
    let child = this.#children.get(key);
    if (child === undefined) {
      child = this.make(labels);
      this.#children.set(key, child);
    }
    return child;
  }

  /** Zeroes every series; children already resolved stay valid. */
  reset(): void {
    for (const child of this.#children.values()) this.zero(child);
  }

  async get(): Promise<{
    name: string;
    help: string;
    type: FamilyType;
    values: Sample[];
    aggregator: string;
  }> {
    const values: Sample[] = [];
    for (const child of this.#children.values()) this.samples(child, values);
    return { name: this.name, help: this.help, type: this.type, values, aggregator: this.aggregator };
  }

  protected abstract make(labels: Labels<L>): C;
  protected abstract zero(child: C): void;
  protected abstract samples(child: C, into: Sample[]): void;
}

export class CounterFamily<L extends string> extends Family<L, CounterChild<L>> {
  readonly type = "counter";

  protected make(labels: Labels<L>): CounterChild<L> {
    return new CounterChild(labels);
  }

  protected zero(child: CounterChild<L>): void {
    child.value = 0;
  }

  protected samples(child: CounterChild<L>, into: Sample[]): void {
    into.push({ labels: child.labels, value: child.value });
  }
}

export class HistogramFamily<L extends string> extends Family<L, HistogramChild<L>> {
  readonly type = "histogram";

  constructor(
    name: string,
    help: string,
    labelNames: readonly L[],
    readonly buckets: readonly number[],
    registry: Registry,
  ) {
    super(name, help, labelNames, registry);
  }

  protected make(labels: Labels<L>): HistogramChild<L> {
    return new HistogramChild(labels, this.buckets);
  }

  protected zero(child: HistogramChild<L>): void {
    child.counts.fill(0);
    child.sum = 0;
    child.count = 0;
  }

  protected samples(child: HistogramChild<L>, into: Sample[]): void {
    const bucket = `${this.name}_bucket`;
    let cumulative = 0;
    this.buckets.forEach((le, i) => {
      cumulative += child.counts[i] as number;
      into.push({ metricName: bucket, labels: { le }, sharedLabels: child.labels, value: cumulative });
    });
    into.push({ metricName: bucket, labels: { le: "+Inf" }, sharedLabels: child.labels, value: child.count });
    into.push({ metricName: `${this.name}_sum`, labels: {}, sharedLabels: child.labels, value: child.sum });
    into.push({
      metricName: `${this.name}_count`,
      labels: {},
      sharedLabels: child.labels,
      value: child.count,
    });
  }
}
