import type { PartReport } from "../compose/composition-sink.js";
import type { CircuitState } from "../resilience/circuit-breaker-policy.js";
import type { DegradedKind } from "../resilience/fallback-policy.js";
import type { Percentiles, WindowSeries } from "./rolling-window.js";

/** One instance of an upstream service as the status page shows it. */
export interface UpstreamInstanceStatus {
  readonly id: string;
  readonly url: string;
  /** Attempts at this instance in the window, and how many failed. */
  readonly attempts: number;
  readonly failed: number;
}

/** One upstream service over the last minute (`windowS`). */
export interface UpstreamStatus {
  readonly instances: readonly UpstreamInstanceStatus[];
  readonly circuit: CircuitState;
  /** Calls in flight now (inside the bulkhead), and the bulkhead's size. */
  readonly inFlight: number;
  readonly capacity: number;
  /** Calls allowed in flight now: `capacity`, or the adaptive limit (`ADAPTIVE_CONCURRENCY=on`). */
  readonly concurrencyLimit: number;
  /** Hedged reads since start (`<SERVICE>_HEDGE_AFTER_MS`): hedges sent, and those that answered first. */
  readonly hedges: { readonly sent: number; readonly won: number };
  /** Calls in the window (a retried call counts once; calls the client abandoned are left out). */
  readonly calls: number;
  readonly ratePerS: number;
  /** Calls that failed: error, timeout, short-circuited or rejected. */
  readonly failures: number;
  /** failures / calls, 0..100. */
  readonly errorPct: number;
  /** Of the failures, those shed without going out: short-circuited or rejected by the bulkhead. */
  readonly shed: number;
  /** Percentiles of the calls that went out (shed calls would drag them to zero). */
  readonly latencyMs: Percentiles;
  /** Per second over the window, oldest first: calls, failures, mean latency. */
  readonly series: WindowSeries;
}

/** One route over the last minute. */
export interface RouteStatus {
  readonly method: string;
  /** The route template, e.g. `/productdetails/:productId`. */
  readonly route: string;
  readonly requests: number;
  readonly ratePerS: number;
  /** Answers with at least one part served by a fallback. */
  readonly degraded: number;
  readonly degradedPct: number;
  /** 5xx answers. */
  readonly errors: number;
  readonly errorPct: number;
  readonly latencyMs: Percentiles;
}

/** A recent composite request, for the waterfall: each part's start, duration and outcome. */
export interface CompositeStatus {
  /** When it finished, ISO 8601. */
  readonly at: string;
  readonly requestId: string;
  readonly traceId: string;
  readonly method: string;
  readonly route: string;
  readonly status: number;
  readonly durationMs: number;
  readonly degraded: Readonly<Record<string, DegradedKind>>;
  readonly parts: readonly PartReport[];
}

/** `GET /admin/status`, and each event of the dashboard's live feed. */
export interface AdminStatus {
  readonly app: string;
  readonly time: string;
  readonly uptimeS: number;
  /** What `/readyz` answers. */
  readonly ready: boolean;
  readonly shuttingDown: boolean;
  /** Length of the rolling window behind every rate, percentage and percentile. */
  readonly windowS: number;
  readonly process: {
    /** Client requests in progress. */
    readonly inFlightRequests: number;
    /** Event-loop delay over the last few seconds. */
    readonly eventLoopLagMs: { readonly mean: number; readonly p99: number; readonly max: number };
    readonly rssBytes: number;
    readonly heapUsedBytes: number;
  };
  readonly upstreams: Readonly<Record<string, UpstreamStatus>>;
  readonly routes: readonly RouteStatus[];
  /** The last composite requests, newest first. */
  readonly recent: readonly CompositeStatus[];
  /** The slowest composite requests of the window, slowest first (why was a request slow?). */
  readonly slowest: readonly CompositeStatus[];
}
