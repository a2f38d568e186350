import { Writable } from "node:stream";
import { describe, expect, it } from "vitest";
import type { ServiceRegistry } from "../discovery/service-registry.js";
import { UpstreamStatusError } from "../errors/index.js";
import type { CircuitState } from "../resilience/circuit-breaker-policy.js";
import { GatewayObservability, type ObservedClient } from "./gateway-observability.js";
import { createLogger } from "./logger.js";

/** The value of one sample in Prometheus text (labels in any order). */
function sample(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  for (const line of text.split("\n")) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    const open = line.indexOf("{");
    const body = open === -1 ? "" : line.slice(open + 1, line.lastIndexOf("}"));
    const found = Object.fromEntries([...body.matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1], m[2]]));
    if (
      Object.entries(labels).every(([k, v]) => found[k] === v) &&
      Object.keys(found).length === Object.keys(labels).length
    ) {
      return Number(line.slice(line.lastIndexOf(" ") + 1));
    }
  }
  return undefined;
}

function fakeClient(): ObservedClient & { set(state: CircuitState): void; inFlight: number; limit: number } {
  let state: CircuitState = "closed";
  const listeners = new Set<(state: CircuitState) => void>();
  const client = {
    inFlight: 0,
    limit: 8,
    breaker: {
      get state() {
        return state;
      },
      onStateChange(listener: (state: CircuitState) => void) {
        listeners.add(listener);
        return () => listeners.delete(listener);
      },
    },
    bulkhead: {
      get inFlight() {
        return client.inFlight;
      },
      capacity: 8,
      get limit() {
        return client.limit;
      },
    },
    set(next: CircuitState) {
      state = next;
      for (const listener of listeners) listener(next);
    },
  };
  return client;
}

const registry: ServiceRegistry = {
  instances: (service) => [{ id: `${service}-1`, url: `http://10.0.0.1/${service}` }],
  onChange: () => () => {},
  close: async () => {},
};

function setup() {
  const lines: Record<string, unknown>[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString().split("\n")) if (line) lines.push(JSON.parse(line));
      done();
    },
  });
  let now = 1_700_000_000_000;
  const obs = new GatewayObservability({
    name: "test-bff",
    logger: createLogger({ level: "debug", destination }),
    services: ["catalog", "reviews"],
    processMetrics: false,
    now: () => now,
  });
  const clients = { catalog: fakeClient(), reviews: fakeClient() };
  obs.watch(clients, registry);
  return { obs, clients, lines, advance: (ms: number) => (now += ms) };
}

const instance = { id: "reviews-1", url: "http://10.0.0.1/reviews" };

describe("GatewayObservability", () => {
  it("counts upstream calls by outcome, retries, coalesced calls and cache lookups exactly", async () => {
    const { obs } = setup();
    const o = obs.observer;
    o.call?.({ service: "reviews", outcome: "ok", durationMs: 12 });
    o.call?.({
      service: "reviews",
      outcome: "error",
      durationMs: 30,
      error: new UpstreamStatusError("reviews", 500),
    });
    o.call?.({ service: "reviews", outcome: "error", durationMs: 31 });
    o.call?.({ service: "reviews", outcome: "timeout", durationMs: 800 });
    o.call?.({ service: "reviews", outcome: "short-circuited", durationMs: 0.1 });
    o.call?.({ service: "reviews", outcome: "rejected", durationMs: 0.1 });
    o.call?.({ service: "reviews", outcome: "aborted", durationMs: 5 });
    o.attempt?.({ service: "reviews", instance, outcome: "error", durationMs: 10, status: 503 });
    o.attempt?.({ service: "reviews", instance, outcome: "ok", durationMs: 10, status: 200 });
    o.retry?.("reviews");
    o.coalesced?.("catalog");
    o.coalesced?.("catalog");
    o.cacheLookup?.("catalog", true, "fresh");
    o.cacheLookup?.("catalog", false, "fresh");
    o.cacheLookup?.("catalog", false, "fresh");

    const text = await obs.metrics.text();
    const calls = (outcome: string) =>
      sample(text, "portico_upstream_calls_total", { service: "reviews", outcome });
    expect(calls("ok")).toBe(1);
    expect(calls("error")).toBe(2);
    expect(calls("timeout")).toBe(1);
    expect(calls("short-circuited")).toBe(1);
    expect(calls("rejected")).toBe(1);
    expect(calls("aborted")).toBe(1);
    expect(sample(text, "portico_upstream_calls_total", { service: "catalog", outcome: "ok" })).toBe(0);
    expect(
      sample(text, "portico_upstream_call_duration_seconds_count", { service: "reviews", outcome: "error" }),
    ).toBe(2);
    expect(sample(text, "portico_upstream_attempts_total", { service: "reviews", outcome: "error" })).toBe(1);
    expect(sample(text, "portico_upstream_retries_total", { service: "reviews" })).toBe(1);
    expect(sample(text, "portico_upstream_coalesced_total", { service: "catalog" })).toBe(2);
    expect(sample(text, "portico_cache_hits_total", { service: "catalog", store: "fresh" })).toBe(1);
    expect(sample(text, "portico_cache_misses_total", { service: "catalog", store: "fresh" })).toBe(2);
  });

  it("keeps the last minute per upstream for the status page, without calls the client abandoned", () => {
    const { obs, clients } = setup();
    const o = obs.observer;
    for (let i = 0; i < 6; i++) o.call?.({ service: "reviews", outcome: "ok", durationMs: 10 });
    o.call?.({ service: "reviews", outcome: "error", durationMs: 40 });
    o.call?.({ service: "reviews", outcome: "short-circuited", durationMs: 0 });
    o.call?.({ service: "reviews", outcome: "aborted", durationMs: 3 });
    o.attempt?.({ service: "reviews", instance, outcome: "error", durationMs: 10 });
    clients.reviews.inFlight = 3;
    const reviews = obs.status().upstreams.reviews;
    expect(reviews).toMatchObject({
      circuit: "closed",
      inFlight: 3,
      capacity: 8,
      calls: 8,
      failures: 2,
      errorPct: 25,
      shed: 1,
      instances: [{ id: "reviews-1", url: "http://10.0.0.1/reviews", attempts: 1, failed: 1 }],
    });
    // Percentiles only over the seven calls that went out.
    expect(reviews?.latencyMs.p50).toBeGreaterThan(9);
    expect(reviews?.latencyMs.p50).toBeLessThan(11);
  });

  it("follows each circuit: gauge, transitions, a warning, and readiness for catalog", async () => {
    const { obs, clients, lines } = setup();
    expect(obs.readiness()).toEqual({ ready: true, shuttingDown: false, openCircuits: [] });
    clients.reviews.set("open");
    expect(obs.readiness().ready).toBe(true);
    clients.catalog.set("open");
    expect(obs.readiness()).toEqual({ ready: false, shuttingDown: false, openCircuits: ["catalog"] });
    let text = await obs.metrics.text();
    expect(sample(text, "portico_circuit_state", { service: "catalog" })).toBe(2);
    expect(sample(text, "portico_circuit_state", { service: "reviews" })).toBe(2);
    expect(lines).toContainEqual(
      expect.objectContaining({ level: "warn", msg: "circuit opened", service: "catalog" }),
    );

    clients.catalog.set("half-open");
    expect(obs.readiness().ready).toBe(true);
    clients.catalog.set("closed");
    text = await obs.metrics.text();
    expect(sample(text, "portico_circuit_state", { service: "catalog" })).toBe(0);
    expect(sample(text, "portico_circuit_transitions_total", { service: "catalog", state: "open" })).toBe(1);
    expect(
      sample(text, "portico_circuit_transitions_total", { service: "catalog", state: "half-open" }),
    ).toBe(1);
    expect(sample(text, "portico_circuit_transitions_total", { service: "catalog", state: "closed" })).toBe(
      1,
    );
    expect(obs.status().upstreams.reviews?.circuit).toBe("open");
  });

  it("reads calls in flight at scrape time", async () => {
    const { obs, clients } = setup();
    clients.catalog.inFlight = 5;
    expect(sample(await obs.metrics.text(), "portico_upstream_in_flight", { service: "catalog" })).toBe(5);
  });

  it("reads each upstream's concurrency limit at scrape time, and shows it and the hedges on the status page", async () => {
    const { obs, clients } = setup();
    clients.catalog.limit = 3;
    const text = await obs.metrics.text();
    expect(sample(text, "portico_upstream_concurrency_limit", { service: "catalog" })).toBe(3);
    expect(sample(text, "portico_upstream_concurrency_limit", { service: "reviews" })).toBe(8);
    expect(sample(text, "portico_upstream_hedges_total", { service: "catalog", outcome: "sent" })).toBe(0);
    obs.observer.hedge?.("catalog", "sent");
    obs.observer.hedge?.("catalog", "sent");
    obs.observer.hedge?.("catalog", "won");
    const after = await obs.metrics.text();
    expect(sample(after, "portico_upstream_hedges_total", { service: "catalog", outcome: "sent" })).toBe(2);
    expect(sample(after, "portico_upstream_hedges_total", { service: "catalog", outcome: "won" })).toBe(1);
    expect(obs.status().upstreams.catalog).toMatchObject({
      concurrencyLimit: 3,
      capacity: 8,
      hedges: { sent: 2, won: 1 },
    });
    expect(obs.status().upstreams.reviews).toMatchObject({ hedges: { sent: 0, won: 0 } });
  });

  it("records client requests: metrics by route template and status, fallbacks, the waterfall, one log line", async () => {
    const { obs, lines } = setup();
    const parts = [
      { name: "product", startMs: 0.1, durationMs: 12, outcome: "ok" as const },
      { name: "reviews", startMs: 0.2, durationMs: 3, outcome: "empty" as const },
    ];
    obs.requestStarted();
    obs.recordRequest({
      method: "GET",
      route: "/productdetails/:productId",
      path: "/productdetails/p1",
      status: 200,
      durationMs: 14,
      requestId: "r-1",
      traceId: "t-1",
      parts,
      degraded: { reviews: "empty" },
      serverTiming: "catalog;dur=12.0",
    });
    obs.requestStarted();
    obs.recordRequest({
      method: "BREW",
      route: "unmatched",
      path: "/nope",
      status: 502,
      durationMs: 1,
      requestId: "r-2",
      traceId: "t-2",
    });
    const text = await obs.metrics.text();
    const route = "/productdetails/:productId";
    expect(sample(text, "portico_http_requests_total", { route, method: "GET", status: "200" })).toBe(1);
    expect(
      sample(text, "portico_http_request_duration_seconds_count", { route, method: "GET", status: "200" }),
    ).toBe(1);
    expect(
      sample(text, "portico_http_requests_total", { route: "unmatched", method: "OTHER", status: "502" }),
    ).toBe(1);
    expect(sample(text, "portico_http_degraded_responses_total", { route })).toBe(1);
    expect(sample(text, "portico_fallbacks_total", { route, part: "reviews", kind: "empty" })).toBe(1);
    expect(text).not.toContain("/productdetails/p1");

    const status = obs.status();
    expect(status.process.inFlightRequests).toBe(0);
    expect(status.routes).toContainEqual(
      expect.objectContaining({
        method: "GET",
        route,
        requests: 1,
        degraded: 1,
        degradedPct: 100,
        errors: 0,
      }),
    );
    expect(status.recent).toHaveLength(1);
    expect(status.recent[0]).toMatchObject({
      requestId: "r-1",
      traceId: "t-1",
      status: 200,
      degraded: { reviews: "empty" },
    });
    expect(status.recent[0]?.parts.map((p) => p.name)).toEqual(["product", "reviews"]);

    const logged = lines.filter((line) => line.msg === "request");
    expect(logged).toHaveLength(2);
    expect(logged[0]).toMatchObject({
      level: "info",
      requestId: "r-1",
      traceId: "t-1",
      route,
      path: "/productdetails/p1",
      status: 200,
      durationMs: 14,
      degraded: { reviews: "empty" },
      serverTiming: "catalog;dur=12.0",
    });
    expect(logged[1]).toMatchObject({ level: "warn", status: 502 });
  });

  it("keeps the slowest composites of the last minute, slowest first", () => {
    const { obs, advance } = setup();
    const parts = [{ name: "product", startMs: 0, durationMs: 1, outcome: "ok" as const }];
    const composite = (requestId: string, durationMs: number) =>
      obs.recordRequest({
        method: "GET",
        route: "/x/:id",
        path: "/x/1",
        status: 200,
        durationMs,
        requestId,
        traceId: "t",
        parts,
        degraded: {},
      });
    for (const [id, ms] of [
      ["a", 50],
      ["b", 900],
      ["c", 10],
      ["d", 300],
      ["e", 70],
      ["f", 20],
      ["g", 400],
    ] as const) {
      composite(id, ms);
    }
    expect(obs.status().slowest.map((r) => r.requestId)).toEqual(["b", "g", "d", "e", "a"]);
    advance(61_000);
    expect(obs.status().slowest).toEqual([]);
    composite("h", 5);
    expect(obs.status().slowest.map((r) => r.requestId)).toEqual(["h"]);
  });

  it("logs upstream failures at warn with the service and a reason by code, never a URL", () => {
    const { obs, lines } = setup();
    obs.observer.call?.({
      service: "reviews",
      outcome: "error",
      durationMs: 20,
      error: new UpstreamStatusError("reviews", 503),
    });
    obs.observer.call?.({ service: "reviews", outcome: "short-circuited", durationMs: 0 });
    expect(lines).toContainEqual(
      expect.objectContaining({
        level: "warn",
        msg: "upstream call failed",
        service: "reviews",
        reason: "UPSTREAM_STATUS 503",
      }),
    );
    expect(lines).toContainEqual(
      expect.objectContaining({ level: "debug", msg: "upstream call short-circuited" }),
    );
  });

  it("is not ready once shutting down, and ends the live streams", () => {
    const { obs } = setup();
    let ended = false;
    obs.feed.subscribe({ send: () => {}, end: () => (ended = true) });
    obs.beginShutdown();
    expect(obs.readiness()).toMatchObject({ ready: false, shuttingDown: true });
    expect(obs.status()).toMatchObject({ ready: false, shuttingDown: true });
    expect(ended).toBe(true);
    obs.close();
  });

  it("keeps every app's metrics apart (no global registry)", async () => {
    const a = setup();
    const b = setup();
    a.obs.observer.retry?.("reviews");
    expect(sample(await a.obs.metrics.text(), "portico_upstream_retries_total", { service: "reviews" })).toBe(
      1,
    );
    expect(sample(await b.obs.metrics.text(), "portico_upstream_retries_total", { service: "reviews" })).toBe(
      0,
    );
  });
});
