import type { UpstreamOutcome } from "../client/upstream-observer.js";
import type { ServiceRegistry } from "../discovery/service-registry.js";
import type { BulkheadPolicy } from "../resilience/bulkhead-policy.js";
import type { CircuitBreakerPolicy } from "../resilience/circuit-breaker-policy.js";
import type { UpstreamInstanceStatus, UpstreamStatus } from "./admin-status.js";
import { RollingWindow } from "./rolling-window.js";
import { pct, round } from "./status-numbers.js";

/** What observability reads from an upstream client: its breaker and bulkhead. */
export interface ObservedClient {
  readonly breaker: Pick<CircuitBreakerPolicy, "state" | "onStateChange">;
  readonly bulkhead: Pick<BulkheadPolicy, "inFlight" | "capacity"> & { readonly limit?: number };
}

export interface UpstreamStatsOptions {
  /** Services shown from the start (in this order), before any call. */
  services: readonly string[];
  /** Wall clock, for the rolling windows. */
  now: () => number;
}

/**
 * The status page's view of the upstream services: a one-minute rolling
 * window per service (calls, failures, shed calls, latency) and one per
 * instance (attempts, failures).
 */
export class UpstreamStats {
  readonly #now: () => number;
  readonly #windows = new Map<string, RollingWindow>();
  readonly #instanceWindows = new Map<string, Map<string, RollingWindow>>();
  /** Hedges per service since start: sent, and won by the hedge. */
  readonly #hedges = new Map<string, { sent: number; won: number }>();

  constructor({ services, now }: UpstreamStatsOptions) {
    this.#now = now;
    for (const service of services) this.#window(service);
  }

  /** One call, retries included, ended with `outcome`. */
  recordCall(service: string, outcome: UpstreamOutcome, durationMs: number): void {
    // A call the client abandoned says nothing about the service.
    if (outcome === "aborted") return;
    const wentOut = outcome === "ok" || outcome === "error" || outcome === "timeout";
    const shed = outcome === "short-circuited" || outcome === "rejected";
    this.#window(service).record(wentOut ? durationMs : undefined, outcome !== "ok", shed);
  }

  /** A read was hedged (`sent`), or its hedge answered first (`won`). */
  recordHedge(service: string, outcome: "sent" | "won"): void {
    let hedges = this.#hedges.get(service);
    if (hedges === undefined) {
      hedges = { sent: 0, won: 0 };
      this.#hedges.set(service, hedges);
    }
    hedges[outcome]++;
  }

  /** One attempt at one instance ended with `outcome`. */
  recordAttempt(service: string, instanceId: string, outcome: UpstreamOutcome): void {
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

  /** Each service over the window, with its client's circuit and bulkhead and its registry's instances. */
  status(
    clients: Readonly<Record<string, ObservedClient>>,
    registry: ServiceRegistry | undefined,
  ): Record<string, UpstreamStatus> {
    const upstreams: Record<string, UpstreamStatus> = {};
    for (const [service, window] of this.#windows) {
      const client = clients[service];
      const summary = window.summary();
      upstreams[service] = {
        instances: this.#instancesOf(service, registry),
        circuit: client?.breaker.state ?? "closed",
        inFlight: client?.bulkhead.inFlight ?? 0,
        capacity: client?.bulkhead.capacity ?? 0,
        concurrencyLimit: client?.bulkhead.limit ?? client?.bulkhead.capacity ?? 0,
        hedges: { ...(this.#hedges.get(service) ?? { sent: 0, won: 0 }) },
        calls: summary.count,
        ratePerS: round(summary.ratePerS),
        failures: summary.failed,
        errorPct: pct(summary.failed, summary.count),
        shed: summary.flagged,
        latencyMs: summary.latencyMs,
        series: window.series(),
      };
    }
    return upstreams;
  }

  #instancesOf(service: string, registry: ServiceRegistry | undefined): UpstreamInstanceStatus[] {
    const instances = registry?.instances(service) ?? [];
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

  #window(service: string): RollingWindow {
    let window = this.#windows.get(service);
    if (window === undefined) {
      window = new RollingWindow({ now: this.#now });
      this.#windows.set(service, window);
    }
    return window;
  }
}
