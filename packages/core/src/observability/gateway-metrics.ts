import { Counter, collectDefaultMetrics, Gauge, Registry } from "prom-client";
import type { CacheStoreKind, UpstreamOutcome } from "../client/upstream-observer.js";
import type { CircuitState } from "../resilience/circuit-breaker-policy.js";
import { CounterFamily, HistogramFamily } from "./metric-families.js";

/** A value per service, read when the metrics are scraped. */
type PerService = () => Iterable<readonly [string, number]>;

/**
 * A gauge by service whose values are read from `sourceOf()` at scrape
 * time: nothing to do per call. No source yet: the gauge stays empty.
 */
function perServiceGauge(
  registry: Registry,
  name: string,
  help: string,
  sourceOf: () => PerService | undefined,
): Gauge<"service"> {
  const gauge: Gauge<"service"> = new Gauge({
    name,
    help,
    labelNames: ["service"] as const,
    registers: [registry],
    collect: () => {
      const source = sourceOf();
      if (source === undefined) return;
      for (const [service, value] of source()) gauge.set({ service }, value);
    },
  });
  return gauge;
}

/** Every outcome an upstream call is counted under (zero-initialised per service). */
export const UPSTREAM_OUTCOMES: readonly UpstreamOutcome[] = [
  "ok",
  "error",
  "timeout",
  "short-circuited",
  "rejected",
  "aborted",
];

/** Every cache store a lookup is counted under (zero-initialised per service). */
export const CACHE_STORE_KINDS: readonly CacheStoreKind[] = ["fresh", "lkg"];

/** `portico_circuit_state`: 0 closed, 1 half-open, 2 open (so `> 0` means "not healthy"). */
export const CIRCUIT_STATE_VALUE: Readonly<Record<CircuitState, number>> = {
  closed: 0,
  "half-open": 1,
  open: 2,
};

const HTTP_BUCKETS_S = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
const UPSTREAM_BUCKETS_S = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];

export interface GatewayMetricsOptions {
  /** The upstream services, whose series start at zero. */
  services: readonly string[];
  /** Also collect Node.js process metrics (CPU, memory, handles, event-loop lag, GC). Default true. */
  processMetrics?: boolean;
}

/**
 * The Prometheus metrics of one BFF, in a registry of its own (never the
 * global default one: tests run several apps in one process). Labels are
 * bounded: route templates (`/productdetails/:productId`), never raw URLs
 * or ids; service and part names from the code; outcomes from a fixed set.
 */
export class GatewayMetrics {
  readonly registry = new Registry();

  // Updated on every request and upstream call: families of plain-number children (metric-families.ts).
  readonly httpRequests = new CounterFamily(
    "portico_http_requests_total",
    "Client requests answered, by route template, method and status.",
    ["route", "method", "status"] as const,
    this.registry,
  );

  readonly httpDuration = new HistogramFamily(
    "portico_http_request_duration_seconds",
    "Time to answer a client request, by route template, method and status.",
    ["route", "method", "status"] as const,
    HTTP_BUCKETS_S,
    this.registry,
  );

  readonly degradedResponses = new Counter({
    name: "portico_http_degraded_responses_total",
    help: "Answers with at least one part served by a fallback, by route template.",
    labelNames: ["route"] as const,
    registers: [this.registry],
  });

  readonly fallbacks = new Counter({
    name: "portico_fallbacks_total",
    help: "Parts served by a fallback, by route template, part and kind (empty, default, cache).",
    labelNames: ["route", "part", "kind"] as const,
    registers: [this.registry],
  });

  readonly upstreamCalls = new CounterFamily(
    "portico_upstream_calls_total",
    "Upstream calls (retries included in one call), by service and outcome: ok, error, timeout, short-circuited, rejected (bulkhead full or no instance), aborted.",
    ["service", "outcome"] as const,
    this.registry,
  );

  readonly upstreamDuration = new HistogramFamily(
    "portico_upstream_call_duration_seconds",
    "Duration of upstream calls, retries included, by service and outcome.",
    ["service", "outcome"] as const,
    UPSTREAM_BUCKETS_S,
    this.registry,
  );

  readonly upstreamAttempts = new CounterFamily(
    "portico_upstream_attempts_total",
    "Attempts at an upstream instance (a retried call makes several), by service and outcome.",
    ["service", "outcome"] as const,
    this.registry,
  );

  readonly retries = new Counter({
    name: "portico_upstream_retries_total",
    help: "Upstream attempts that were retries, by service.",
    labelNames: ["service"] as const,
    registers: [this.registry],
  });

  readonly coalesced = new Counter({
    name: "portico_upstream_coalesced_total",
    help: "Callers that shared an identical upstream GET already in flight, by service.",
    labelNames: ["service"] as const,
    registers: [this.registry],
  });

  readonly hedges = new Counter({
    name: "portico_upstream_hedges_total",
    help: "Hedged reads (<SERVICE>_HEDGE_AFTER_MS), by service and outcome: sent (one more attempt went out), won (it answered first).",
    labelNames: ["service", "outcome"] as const,
    registers: [this.registry],
  });

  readonly cacheHits = new Counter({
    name: "portico_cache_hits_total",
    help: "Cache hits, by service and store: fresh (<SERVICE>_CACHE_TTL_S) or lkg (the last-known-good store, after a failed call).",
    labelNames: ["service", "store"] as const,
    registers: [this.registry],
  });

  readonly cacheMisses = new Counter({
    name: "portico_cache_misses_total",
    help: "Cache misses, by service and store: fresh (<SERVICE>_CACHE_TTL_S) or lkg (the last-known-good store, after a failed call).",
    labelNames: ["service", "store"] as const,
    registers: [this.registry],
  });

  readonly circuitState = new Gauge({
    name: "portico_circuit_state",
    help: "Circuit breaker state per upstream service: 0 closed, 1 half-open, 2 open.",
    labelNames: ["service"] as const,
    registers: [this.registry],
  });

  readonly circuitTransitions = new Counter({
    name: "portico_circuit_transitions_total",
    help: "Circuit breaker state changes per upstream service, by the state entered.",
    labelNames: ["service", "state"] as const,
    registers: [this.registry],
  });

  #inFlightSource: PerService | undefined;

  readonly upstreamInFlight: Gauge<"service"> = perServiceGauge(
    this.registry,
    "portico_upstream_in_flight",
    "Upstream calls in flight (inside the bulkhead), by service.",
    () => this.#inFlightSource,
  );

  #limitSource: PerService | undefined;

  readonly upstreamConcurrencyLimit: Gauge<"service"> = perServiceGauge(
    this.registry,
    "portico_upstream_concurrency_limit",
    "Upstream calls allowed in flight now, by service: MAX_CONCURRENT_PER_UPSTREAM, or the adaptive limit (ADAPTIVE_CONCURRENCY=on).",
    () => this.#limitSource,
  );

  #loadSource: (() => { readonly inflight: number; readonly shed: number }) | undefined;

  readonly httpInFlight: Gauge = new Gauge({
    name: "portico_http_in_flight",
    help: "Client requests in progress, as load shedding counts them (MAX_INFLIGHT).",
    registers: [this.registry],
    collect: () => {
      const load = this.#loadSource?.();
      if (load !== undefined) this.httpInFlight.set(load.inflight);
    },
  });

  readonly httpShed: Counter = new Counter({
    name: "portico_http_shed_total",
    help: "Client requests shed with 503 before any work (MAX_INFLIGHT reached or the event loop lagging).",
    registers: [this.registry],
    // The shedder keeps the count; it is copied at scrape time.
    collect: () => {
      const load = this.#loadSource?.();
      if (load === undefined) return;
      this.httpShed.reset();
      this.httpShed.inc(load.shed);
    },
  });

  constructor({ services, processMetrics = true }: GatewayMetricsOptions) {
    for (const service of services) {
      for (const outcome of UPSTREAM_OUTCOMES) this.upstreamCalls.child({ service, outcome });
      this.retries.inc({ service }, 0);
      this.coalesced.inc({ service }, 0);
      this.hedges.inc({ service, outcome: "sent" }, 0);
      this.hedges.inc({ service, outcome: "won" }, 0);
      for (const store of CACHE_STORE_KINDS) {
        this.cacheHits.inc({ service, store }, 0);
        this.cacheMisses.inc({ service, store }, 0);
      }
      this.circuitState.set({ service }, 0);
    }
    if (processMetrics) {
      // Process CPU and memory, heap, handles, GC, and the event-loop lag
      // (`nodejs_eventloop_lag_*`, from monitorEventLoopDelay).
      collectDefaultMetrics({ register: this.registry, eventLoopMonitoringPrecision: 10 });
    }
  }

  /** Where `portico_upstream_in_flight` is read from at scrape time. */
  watchInFlight(source: PerService): void {
    this.#inFlightSource = source;
  }

  /** Where `portico_upstream_concurrency_limit` is read from at scrape time. */
  watchConcurrencyLimit(source: PerService): void {
    this.#limitSource = source;
  }

  /** Where `portico_http_in_flight` and `portico_http_shed_total` are read from at scrape time. */
  watchLoad(source: () => { readonly inflight: number; readonly shed: number }): void {
    this.#loadSource = source;
  }

  /** Prometheus text exposition of every metric. */
  text(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }
}
