import type { UpstreamOutcome } from "../client/upstream-observer.js";
import type { GatewayMetrics } from "./gateway-metrics.js";
import type { CounterChild, HistogramChild } from "./metric-families.js";

/** The children of one upstream service and outcome. */
export interface UpstreamSeries {
  readonly calls: CounterChild<"service" | "outcome">;
  readonly duration: HistogramChild<"service" | "outcome">;
  /** `portico_upstream_attempts_total` of the same service and outcome. */
  readonly attempts: CounterChild<"service" | "outcome">;
}

/** The children of one route, method and status. */
export interface RequestSeries {
  readonly count: CounterChild<"route" | "method" | "status">;
  readonly duration: HistogramChild<"route" | "method" | "status">;
}

/**
 * The metric children updated on every request and upstream call, resolved
 * once per label set: the hot path does map lookups and arithmetic
 * (`metric-families.ts`).
 */
export class MetricSeries {
  readonly #metrics: GatewayMetrics;
  readonly #upstream = new Map<string, Map<UpstreamOutcome, UpstreamSeries>>();
  readonly #request = new Map<string, Map<string, Map<number, RequestSeries>>>();

  constructor(metrics: GatewayMetrics) {
    this.#metrics = metrics;
  }

  /** `portico_upstream_calls_total`, `portico_upstream_call_duration_seconds` and `portico_upstream_attempts_total` for one service and outcome. */
  upstream(service: string, outcome: UpstreamOutcome): UpstreamSeries {
    let byOutcome = this.#upstream.get(service);
    if (byOutcome === undefined) {
      byOutcome = new Map();
      this.#upstream.set(service, byOutcome);
    }
    let series = byOutcome.get(outcome);
    if (series === undefined) {
      series = {
        calls: this.#metrics.upstreamCalls.child({ service, outcome }),
        duration: this.#metrics.upstreamDuration.child({ service, outcome }),
        attempts: this.#metrics.upstreamAttempts.child({ service, outcome }),
      };
      byOutcome.set(outcome, series);
    }
    return series;
  }

  /** `portico_http_requests_total` and `portico_http_request_duration_seconds` for one route, method and status. */
  request(route: string, method: string, status: number): RequestSeries {
    let byMethod = this.#request.get(route);
    if (byMethod === undefined) {
      byMethod = new Map();
      this.#request.set(route, byMethod);
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
        count: this.#metrics.httpRequests.child(labels),
        duration: this.#metrics.httpDuration.child(labels),
      };
      byStatus.set(status, series);
    }
    return series;
  }
}
