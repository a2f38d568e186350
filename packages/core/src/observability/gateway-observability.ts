import { monitorEventLoopDelay } from "node:perf_hooks";
import type { Counter, Histogram } from "prom-client";
import type { PartReport } from "../compose/plan.js";
import { SERVICE_NAMES } from "../config/services.js";
import type { ServiceRegistry } from "../discovery/service-registry.js";
import { isGatewayError } from "../errors/index.js";
import type { BulkheadPolicy } from "../resilience/bulkhead-policy.js";
import type { CircuitBreakerPolicy, CircuitState } from "../resilience/circuit-breaker-policy.js";
import type { DegradedKind } from "../resilience/fallback-policy.js";
import type {
  AdminStatus,
  CompositeStatus,
  RouteStatus,
  UpstreamInstanceStatus,
  UpstreamStatus,
} from "./admin-status.js";
import { CIRCUIT_STATE_VALUE, GatewayMetrics } from "./gateway-metrics.js";
import { type Logger, silentLogger } from "./logger.js";
import { RecentBuffer } from "./recent-requests.js";
import { RollingWindow } from "./rolling-window.js";
import { StatusFeed } from "./status-feed.js";
import type { UpstreamObserver, UpstreamOutcome } from "./upstream-observer.js";

/** What observability reads from an upstream client: its breaker and bulkhead. */
export interface ObservedClient {
  readonly breaker: Pick<CircuitBreakerPolicy, "state" | "onStateChange">;
  readonly bulkhead: Pick<BulkheadPolicy, "inFlight" | "capacity">;
}

/** One finished client request, as the HTTP layer reports it. */
export interface RequestRecord {
  readonly method: string;
  /** The route template (`/productdetails/:productId`), or `unmatched`. */
  readonly route: string;
  /** The path without its query (for the log line only, never a metric label). */
  readonly path: string;
  /** The answer's status; 499 when the client went away first. */
  readonly status: number;
  readonly durationMs: number;
  readonly requestId: string;
  readonly traceId: string;
  /** The request's compositions, when it ran any. */
  readonly parts?: readonly PartReport[] | undefined;
  readonly degraded?: Readonly<Record<string, DegradedKind>> | undefined;
  /** The `Server-Timing` header sent, for the log line. */
  readonly serverTiming?: string | undefined;
}

export interface ObservabilityOptions {
  /** The app's name, on the dashboard. Default `portico`. */
  name?: string;
  /** Default: a silent logger. `runBff` passes the stdout logger at `LOG_LEVEL`. */
  logger?: Logger;
  /** Upstream services (their metric series start at zero). Default: the shop's services. */
  services?: readonly string[];
  /** Services whose open circuit makes `/readyz` answer 503 (contract 2.5: catalog). */
  requiredUpstreams?: readonly string[];
  /** Composite requests kept for the waterfall. Default 20. */
  recentComposites?: number;
  /** Collect Node.js process metrics. Default true. */
  processMetrics?: boolean;
  /** Status feed period. Default 1000 ms. */
  feedIntervalMs?: number;
  /** Wall clock, for the rolling windows. Default `Date.now`. */
  now?: () => number;
}

/** What `/readyz` decides from. */
export interface Readiness {
  readonly ready: boolean;
  readonly shuttingDown: boolean;
  /** The required upstreams whose circuit is open. */
  readonly openCircuits: readonly string[];
}

interface CompositeRecord extends RequestRecord {
  readonly at: number;
  readonly parts: readonly PartReport[];
}

interface UpstreamSeries {
  readonly calls: Counter.Internal;
  readonly duration: Histogram.Internal<"service" | "outcome">;
}

interface RequestSeries {
  readonly count: Counter.Internal;
  readonly duration: Histogram.Internal<"route" | "method" | "status">;
}

const METHODS = new Set(["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]);
/** Routes kept in the status page's window; more would only come from a bug. */
const MAX_ROUTES = 200;
const LAG_PERIOD_MS = 5_000;
/** The rolling window of the status page. */
const WINDOW_MS = 60_000;
/** Slowest composites kept for the last minute. */
const SLOWEST_KEPT = 5;
const LAG_RESOLUTION_MS = 10;

/** The monitor times its own 10 ms timer: what is late beyond that period is the lag. */
const lagOf = (delayNs: number) => round(Math.max(0, delayNs / 1e6 - LAG_RESOLUTION_MS));

/**
 * Everything one BFF knows about itself: Prometheus metrics (a registry of
 * its own), the request and upstream logs, one-minute rolling windows per
 * upstream and per route for `/admin/status`, the recent composite requests
 * for the dashboard's waterfall, readiness, and the live status feed.
 *
 * It learns about upstream calls through `observer` (plugged into every
 * ServiceClient by `createGateway`), about circuit states by watching the
 * breakers, and about client requests through `recordRequest` (called by
 * the HTTP layer when an answer is finished).
 */
export class GatewayObservability {
  readonly name: string;
  readonly logger: Logger;
  readonly metrics: GatewayMetrics;
  readonly observer: UpstreamObserver;
  readonly feed: StatusFeed;
  readonly #services: readonly string[];
  readonly #required: readonly string[];
  readonly #now: () => number;
  readonly #startedAt: number;
  readonly #upstreamWindows = new Map<string, RollingWindow>();
  readonly #instanceWindows = new Map<string, Map<string, RollingWindow>>();
  readonly #routeWindows = new Map<string, { method: string; route: string; window: RollingWindow }>();
  readonly #upstreamSeries = new Map<string, Map<UpstreamOutcome, UpstreamSeries>>();
  readonly #requestSeries = new Map<string, Map<string, Map<number, RequestSeries>>>();
  readonly #recent: RecentBuffer<CompositeRecord>;
  /** The slowest composites of the last minute, slowest first. */
  #slowest: CompositeRecord[] = [];
  #slowestOldestAt = Number.POSITIVE_INFINITY;
  readonly #lag = monitorEventLoopDelay({ resolution: LAG_RESOLUTION_MS });
  #lagSnapshot = { mean: 0, p99: 0, max: 0 };
  #lagResetAt: number;
  #clients: Readonly<Record<string, ObservedClient>> = {};
  #registry: ServiceRegistry | undefined;
  #unwatch: (() => void)[] = [];
  #inFlightRequests = 0;
  #shuttingDown = false;
  #closed = false;

  constructor(options: ObservabilityOptions = {}) {
    this.name = options.name ?? "portico";
    this.logger = options.logger ?? silentLogger();
    this.#services = options.services ?? SERVICE_NAMES;
    this.#required = options.requiredUpstreams ?? ["catalog"];
    this.#now = options.now ?? Date.now;
    this.#startedAt = this.#now();
    this.#lagResetAt = this.#startedAt;
    this.metrics = new GatewayMetrics({
      services: this.#services,
      processMetrics: options.processMetrics ?? true,
    });
    this.#recent = new RecentBuffer(options.recentComposites ?? 20);
    this.feed = new StatusFeed({
      build: () => JSON.stringify(this.status()),
      intervalMs: options.feedIntervalMs ?? 1000,
    });
    this.#lag.enable();
    for (const service of this.#services) this.#upstreamWindow(service);
    this.observer = {
      call: (event) => this.#onCall(event.service, event.outcome, event.durationMs, event.error),
      attempt: (event) => this.#onAttempt(event.service, event.instance.id, event.outcome),
      retry: (service) => this.metrics.retries.inc({ service }),
      coalesced: (service) => this.metrics.coalesced.inc({ service }),
      cacheLookup: (service, hit, store) =>
        (hit ? this.metrics.cacheHits : this.metrics.cacheMisses).inc({ service, store }),
    };
  }

  /**
   * Watches the gateway's clients: circuit state (gauge, transitions, a
   * warning in the log, an immediate push to the dashboards), calls in
   * flight, and the registry's instances.
   */
  watch(clients: Readonly<Record<string, ObservedClient>>, registry: ServiceRegistry): void {
    for (const stop of this.#unwatch) stop();
    this.#unwatch = [];
    this.#clients = clients;
    this.#registry = registry;
    for (const [service, client] of Object.entries(clients)) {
      this.metrics.circuitState.set({ service }, CIRCUIT_STATE_VALUE[client.breaker.state]);
      this.#unwatch.push(client.breaker.onStateChange((state) => this.#onCircuitChange(service, state)));
    }
    this.metrics.watchInFlight(() =>
      Object.entries(this.#clients).map(([service, client]) => [service, client.bulkhead.inFlight] as const),
    );
  }

  /** A client request started (for the in-progress count). */
  requestStarted(): void {
    this.#inFlightRequests++;
  }

  /** A client request finished: metrics, the route's window, the waterfall and one log line. */
  recordRequest(record: RequestRecord): void {
    this.#inFlightRequests = Math.max(0, this.#inFlightRequests - 1);
    const method = METHODS.has(record.method) ? record.method : "OTHER";
    const { route, status, durationMs } = record;
    const series = this.#requestSeriesOf(route, method, status);
    series.count.inc();
    series.duration.observe(durationMs / 1000);

    const degraded = record.degraded;
    let degradedParts = 0;
    if (degraded !== undefined) {
      for (const part in degraded) {
        degradedParts++;
        const kind = degraded[part];
        if (kind !== undefined) this.metrics.fallbacks.inc({ route, part, kind });
      }
      if (degradedParts > 0) this.metrics.degradedResponses.inc({ route });
    }
    this.#routeWindow(method, route)?.record(durationMs, status >= 500, degradedParts > 0);
    if (record.parts !== undefined && record.parts.length > 0) {
      const composite = { ...record, method, parts: record.parts, at: this.#now() };
      this.#recent.push(composite);
      this.#rememberIfSlow(composite);
    }

    const level = status >= 500 ? "warn" : "info";
    if (this.logger.isLevelEnabled(level)) {
      this.logger[level](
        {
          requestId: record.requestId,
          traceId: record.traceId,
          method,
          route,
          path: record.path,
          status,
          durationMs: Math.round(durationMs * 10) / 10,
          ...(degraded === undefined ? {} : { degraded }),
          ...(record.serverTiming === undefined ? {} : { serverTiming: record.serverTiming }),
        },
        "request",
      );
    }
  }

  get shuttingDown(): boolean {
    return this.#shuttingDown;
  }

  /** Shutdown began: `/readyz` answers 503 from now on, and the dashboards' streams end. */
  beginShutdown(): void {
    this.#shuttingDown = true;
    this.feed.close();
  }

  /** Ready unless shutting down or a required upstream's circuit is open (half-open is ready: its trial needs traffic). */
  readiness(): Readiness {
    const openCircuits = this.#required.filter((service) => this.#clients[service]?.breaker.state === "open");
    return {
      ready: !this.#shuttingDown && openCircuits.length === 0,
      shuttingDown: this.#shuttingDown,
      openCircuits,
    };
  }

  /** The `/admin/status` document. */
  status(): AdminStatus {
    const now = this.#now();
    const upstreams: Record<string, UpstreamStatus> = {};
    for (const [service, window] of this.#upstreamWindows) {
      const client = this.#clients[service];
      const summary = window.summary();
      upstreams[service] = {
        instances: this.#instancesOf(service),
        circuit: client?.breaker.state ?? "closed",
        inFlight: client?.bulkhead.inFlight ?? 0,
        capacity: client?.bulkhead.capacity ?? 0,
        calls: summary.count,
        ratePerS: round(summary.ratePerS),
        failures: summary.failed,
        errorPct: pct(summary.failed, summary.count),
        shed: summary.flagged,
        latencyMs: summary.latencyMs,
        series: window.series(),
      };
    }
    const routes: RouteStatus[] = [];
    for (const { method, route, window } of this.#routeWindows.values()) {
      const summary = window.summary();
      routes.push({
        method,
        route,
        requests: summary.count,
        ratePerS: round(summary.ratePerS),
        degraded: summary.flagged,
        degradedPct: pct(summary.flagged, summary.count),
        errors: summary.failed,
        errorPct: pct(summary.failed, summary.count),
        latencyMs: summary.latencyMs,
      });
    }
    const memory = process.memoryUsage();
    const { ready, shuttingDown } = this.readiness();
    return {
      app: this.name,
      time: new Date(now).toISOString(),
      uptimeS: Math.round((now - this.#startedAt) / 1000),
      ready,
      shuttingDown,
      windowS: WINDOW_MS / 1000,
      process: {
        inFlightRequests: this.#inFlightRequests,
        eventLoopLagMs: this.#eventLoopLag(),
        rssBytes: memory.rss,
        heapUsedBytes: memory.heapUsed,
      },
      upstreams,
      routes,
      recent: this.#recent.toArray().map(compositeStatus),
      slowest: this.#slowest.filter((entry) => entry.at > now - WINDOW_MS).map(compositeStatus),
    };
  }

  /** Stops watching, ends the live streams and the event-loop monitor. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const stop of this.#unwatch) stop();
    this.#unwatch = [];
    this.feed.close();
    this.#lag.disable();
  }

  // Usually one comparison: the list only changes for a request slower than its last entry.
  #rememberIfSlow(composite: CompositeRecord): void {
    const list = this.#slowest;
    const last = list[list.length - 1];
    const expired = this.#slowestOldestAt <= composite.at - WINDOW_MS;
    if (
      !expired &&
      list.length >= SLOWEST_KEPT &&
      last !== undefined &&
      composite.durationMs <= last.durationMs
    )
      return;
    const kept = list.filter((entry) => entry.at > composite.at - WINDOW_MS);
    kept.push(composite);
    kept.sort((a, b) => b.durationMs - a.durationMs);
    this.#slowest = kept.slice(0, SLOWEST_KEPT);
    this.#slowestOldestAt = Math.min(...this.#slowest.map((entry) => entry.at));
  }

  #onCall(service: string, outcome: UpstreamOutcome, durationMs: number, error: unknown): void {
    const series = this.#upstreamSeriesOf(service, outcome);
    series.calls.inc();
    series.duration.observe(durationMs / 1000);
    // A call the client abandoned says nothing about the service.
    if (outcome !== "aborted") {
      const wentOut = outcome === "ok" || outcome === "error" || outcome === "timeout";
      const shed = outcome === "short-circuited" || outcome === "rejected";
      this.#upstreamWindow(service).record(wentOut ? durationMs : undefined, outcome !== "ok", shed);
    }
    if (outcome === "error" || outcome === "timeout" || outcome === "rejected") {
      if (this.logger.isLevelEnabled("warn")) {
        this.logger.warn(
          { service, outcome, reason: reasonOf(error), durationMs: Math.round(durationMs * 10) / 10 },
          "upstream call failed",
        );
      }
    } else if (outcome === "short-circuited" && this.logger.isLevelEnabled("debug")) {
      // One warning when the circuit opens says it all; each fast failure is only debug.
      this.logger.debug({ service, outcome }, "upstream call short-circuited");
    }
  }

  #onAttempt(service: string, instanceId: string, outcome: UpstreamOutcome): void {
    this.metrics.upstreamAttempts.inc({ service, outcome });
    if (outcome === "aborted") return;
    let byInstance = this.#instanceWindows.get(service);
    if (byInstance === undefined) {
      byInstance = new Map();
      this.#instanceWindows.set(service, byInstance);
    }
    let window = byInstance.get(instanceId);
    if (window === undefined) {
      window = new RollingWindow({ latency: false, now: this.#now });
      byInstance.set(instanceId, window);
    }
    window.record(undefined, outcome !== "ok", false);
  }

  #onCircuitChange(service: string, state: CircuitState): void {
    this.metrics.circuitState.set({ service }, CIRCUIT_STATE_VALUE[state]);
    this.metrics.circuitTransitions.inc({ service, state });
    const fields = { service, circuit: state };
    if (state === "open") this.logger.warn(fields, "circuit opened");
    else if (state === "closed") this.logger.info(fields, "circuit closed");
    else this.logger.info(fields, "circuit half-open");
    this.feed.nudge();
  }

  #instancesOf(service: string): UpstreamInstanceStatus[] {
    const instances = this.#registry?.instances(service) ?? [];
    const windows = this.#instanceWindows.get(service);
    if (windows !== undefined && windows.size > instances.length) {
      // Forget instances that left the registry, so churn cannot grow the map.
      const live = new Set(instances.map((instance) => instance.id));
      for (const id of windows.keys()) if (!live.has(id)) windows.delete(id);
    }
    return instances.map(({ id, url }) => {
      const summary = windows?.get(id)?.summary();
      return { id, url, attempts: summary?.count ?? 0, failed: summary?.failed ?? 0 };
    });
  }

  #upstreamWindow(service: string): RollingWindow {
    let window = this.#upstreamWindows.get(service);
    if (window === undefined) {
      window = new RollingWindow({ now: this.#now });
      this.#upstreamWindows.set(service, window);
    }
    return window;
  }

  #routeWindow(method: string, route: string): RollingWindow | undefined {
    const key = `${method} ${route}`;
    let entry = this.#routeWindows.get(key);
    if (entry === undefined) {
      if (this.#routeWindows.size >= MAX_ROUTES) return undefined;
      entry = { method, route, window: new RollingWindow({ now: this.#now }) };
      this.#routeWindows.set(key, entry);
    }
    return entry.window;
  }

  // prom-client hashes the labels on every update; the children are cached
  // so the hot path only does map lookups.
  #upstreamSeriesOf(service: string, outcome: UpstreamOutcome): UpstreamSeries {
    let byOutcome = this.#upstreamSeries.get(service);
    if (byOutcome === undefined) {
      byOutcome = new Map();
      this.#upstreamSeries.set(service, byOutcome);
    }
    let series = byOutcome.get(outcome);
    if (series === undefined) {
      series = {
        calls: this.metrics.upstreamCalls.labels({ service, outcome }),
        duration: this.metrics.upstreamDuration.labels({ service, outcome }),
      };
      byOutcome.set(outcome, series);
    }
    return series;
  }

  #requestSeriesOf(route: string, method: string, status: number): RequestSeries {
    let byMethod = this.#requestSeries.get(route);
    if (byMethod === undefined) {
      byMethod = new Map();
      this.#requestSeries.set(route, byMethod);
    }
    let byStatus = byMethod.get(method);
    if (byStatus === undefined) {
      byStatus = new Map();
      byMethod.set(method, byStatus);
    }
    let series = byStatus.get(status);
    if (series === undefined) {
      const labels = { route, method, status: String(status) };
      series = {
        count: this.metrics.httpRequests.labels(labels),
        duration: this.metrics.httpDuration.labels(labels),
      };
      byStatus.set(status, series);
    }
    return series;
  }

  #eventLoopLag(): { mean: number; p99: number; max: number } {
    const now = this.#now();
    const histogram = this.#lag;
    const read = () =>
      histogram.count === 0
        ? this.#lagSnapshot
        : {
            mean: lagOf(histogram.mean),
            p99: lagOf(histogram.percentile(99)),
            max: lagOf(histogram.max),
          };
    if (now - this.#lagResetAt < LAG_PERIOD_MS) return read();
    this.#lagSnapshot = read();
    this.#lagResetAt = now;
    histogram.reset();
    return this.#lagSnapshot;
  }
}

function compositeStatus(record: CompositeRecord): CompositeStatus {
  return {
    at: new Date(record.at).toISOString(),
    requestId: record.requestId,
    traceId: record.traceId,
    method: record.method,
    route: record.route,
    status: record.status,
    durationMs: round(record.durationMs),
    degraded: record.degraded ?? {},
    parts: [...record.parts]
      .sort((a, b) => a.startMs - b.startMs)
      .map((part) => ({
        name: part.name,
        startMs: round(part.startMs),
        durationMs: round(part.durationMs),
        outcome: part.outcome,
      })),
  };
}

/** Why an upstream call failed, by its stable code (never a URL). */
function reasonOf(error: unknown): string {
  if (isGatewayError(error)) {
    const status = (error as { upstreamStatus?: unknown }).upstreamStatus;
    return typeof status === "number" ? `${error.code} ${status}` : error.code;
  }
  return "UNKNOWN";
}

function pct(part: number, whole: number): number {
  return whole === 0 ? 0 : round((part / whole) * 100);
}

function round(value: number): number {
  return Math.round(value * 10) / 10;
}
