import type { UpstreamObserver, UpstreamOutcome } from "../client/upstream-observer.js";
import { SERVICE_NAMES } from "../config/services.js";
import type { ServiceRegistry } from "../discovery/service-registry.js";
import type { CircuitState } from "../resilience/circuit-breaker-policy.js";
import type { AdminStatus } from "./admin-status.js";
import { EventLoopDelay } from "./event-loop-delay.js";
import { CIRCUIT_STATE_VALUE, GatewayMetrics } from "./gateway-metrics.js";
import { type Logger, silentLogger } from "./logger.js";
import { MetricSeries } from "./metric-series.js";
import { type Readiness, ReadinessCheck } from "./readiness.js";
import { RecentBuffer } from "./recent-requests.js";
import { logRequest } from "./request-log.js";
import type { CompositeRecord, RequestRecord } from "./request-record.js";
import { RouteStats } from "./route-stats.js";
import { SlowestRequests } from "./slowest-requests.js";
import { statusDocument } from "./status-document.js";
import { StatusFeed } from "./status-feed.js";
import { logCircuitChange, logUpstreamCall } from "./upstream-log.js";
import { type ObservedClient, UpstreamStats } from "./upstream-stats.js";

export type { Readiness } from "./readiness.js";
export type { RequestRecord } from "./request-record.js";
export type { ObservedClient } from "./upstream-stats.js";

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

const METHODS = new Set(["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]);
/** The rolling window of the status page. */
const WINDOW_MS = 60_000;
/** Slowest composites kept for the last minute. */
const SLOWEST_KEPT = 5;

/**
 * Everything one BFF knows about itself: Prometheus metrics (a registry of
 * its own), the request and upstream logs, one-minute rolling windows per
 * upstream and per route for `/admin/status`, the recent composite requests
 * for the dashboard's waterfall, readiness, and the live status feed.
 *
 * It learns about upstream calls through `observer` (plugged into every
 * ServiceClient by `createGateway`), about circuit states by watching the
 * breakers, and about client requests through `recordRequest` (called by
 * the HTTP layer when an answer is finished). Each of those jobs is a part
 * of its own; this class only tells them what happened.
 */
export class GatewayObservability {
  readonly name: string;
  readonly logger: Logger;
  readonly metrics: GatewayMetrics;
  readonly observer: UpstreamObserver;
  readonly feed: StatusFeed;
  readonly #now: () => number;
  readonly #startedAt: number;
  readonly #series: MetricSeries;
  readonly #upstreams: UpstreamStats;
  readonly #routes: RouteStats;
  readonly #recent: RecentBuffer<CompositeRecord>;
  readonly #slowest = new SlowestRequests<CompositeRecord>({ kept: SLOWEST_KEPT, windowMs: WINDOW_MS });
  readonly #readiness: ReadinessCheck;
  readonly #lag: EventLoopDelay;
  #clients: Readonly<Record<string, ObservedClient>> = {};
  #registry: ServiceRegistry | undefined;
  #unwatch: (() => void)[] = [];
  #inFlightRequests = 0;
  #closed = false;

  constructor(options: ObservabilityOptions = {}) {
    this.name = options.name ?? "portico";
    this.logger = options.logger ?? silentLogger();
    const services = options.services ?? SERVICE_NAMES;
    this.#readiness = new ReadinessCheck(options.requiredUpstreams ?? ["catalog"]);
    this.#now = options.now ?? Date.now;
    this.#startedAt = this.#now();
    this.metrics = new GatewayMetrics({ services, processMetrics: options.processMetrics ?? true });
    this.#series = new MetricSeries(this.metrics);
    this.#recent = new RecentBuffer(options.recentComposites ?? 20);
    this.feed = new StatusFeed({
      build: () => JSON.stringify(this.status()),
      intervalMs: options.feedIntervalMs ?? 1000,
    });
    this.#lag = new EventLoopDelay({ now: this.#now, startedAt: this.#startedAt });
    this.#upstreams = new UpstreamStats({ services, now: this.#now });
    this.#routes = new RouteStats(this.#now);
    this.observer = {
      call: (event) => this.#onCall(event.service, event.outcome, event.durationMs, event.error),
      attempt: (event) => this.#onAttempt(event.service, event.instance.id, event.outcome),
      retry: (service) => this.metrics.retries.inc({ service }),
      coalesced: (service) => this.metrics.coalesced.inc({ service }),
      hedge: (service, outcome) => {
        this.metrics.hedges.inc({ service, outcome });
        this.#upstreams.recordHedge(service, outcome);
      },
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
    this.metrics.watchConcurrencyLimit(() =>
      Object.entries(this.#clients).map(
        ([service, client]) => [service, client.bulkhead.limit ?? client.bulkhead.capacity] as const,
      ),
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
    const series = this.#series.request(route, method, status);
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
    this.#routes.record(method, route, durationMs, status >= 500, degradedParts > 0);
    if (record.parts !== undefined && record.parts.length > 0) {
      const composite = { ...record, method, parts: record.parts, at: this.#now() };
      this.#recent.push(composite);
      this.#slowest.remember(composite);
    }
    logRequest(this.logger, record, method);
  }

  get shuttingDown(): boolean {
    return this.#readiness.shuttingDown;
  }

  /** Shutdown began: `/readyz` answers 503 from now on, and the dashboards' streams end. */
  beginShutdown(): void {
    this.#readiness.beginShutdown();
    this.feed.close();
  }

  /** Ready unless shutting down or a required upstream's circuit is open (half-open is ready: its trial needs traffic). */
  readiness(): Readiness {
    return this.#readiness.check((service) => this.#clients[service]?.breaker.state);
  }

  /** The `/admin/status` document. */
  status(): AdminStatus {
    const now = this.#now();
    const upstreams = this.#upstreams.status(this.#clients, this.#registry);
    const routes = this.#routes.status();
    const { ready, shuttingDown } = this.readiness();
    return statusDocument({
      app: this.name,
      now,
      startedAt: this.#startedAt,
      ready,
      shuttingDown,
      windowMs: WINDOW_MS,
      inFlightRequests: this.#inFlightRequests,
      eventLoopLagMs: this.#lag.read(),
      upstreams,
      routes,
      recent: this.#recent.toArray(),
      slowest: this.#slowest.within(now),
    });
  }

  /** Stops watching, ends the live streams and the event-loop monitor. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const stop of this.#unwatch) stop();
    this.#unwatch = [];
    this.feed.close();
    this.#lag.close();
  }

  #onCall(service: string, outcome: UpstreamOutcome, durationMs: number, error: unknown): void {
    const series = this.#series.upstream(service, outcome);
    series.calls.inc();
    series.duration.observe(durationMs / 1000);
    this.#upstreams.recordCall(service, outcome, durationMs);
    logUpstreamCall(this.logger, service, outcome, durationMs, error);
  }

  #onAttempt(service: string, instanceId: string, outcome: UpstreamOutcome): void {
    this.#series.upstream(service, outcome).attempts.inc();
    this.#upstreams.recordAttempt(service, instanceId, outcome);
  }

  #onCircuitChange(service: string, state: CircuitState): void {
    this.metrics.circuitState.set({ service }, CIRCUIT_STATE_VALUE[state]);
    this.metrics.circuitTransitions.inc({ service, state });
    logCircuitChange(this.logger, service, state);
    this.feed.nudge();
  }
}
