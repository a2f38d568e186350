import { beforeAll, describe, expect, it } from "vitest";
import { clearFaults, injectFault, recordedRequests } from "../support/processes.js";
import { useStack } from "../support/stack.js";
import { type Sample, sampleValue, scrape } from "./prometheus.js";

const stack = useStack({
  app: "mobile-bff",
  bffEnv: {
    BREAKER_MIN_REQUESTS: "4",
    BREAKER_ERROR_PCT: "50",
    BREAKER_WINDOW_MS: "60000",
    BREAKER_OPEN_MS: "60000",
    REQUEST_DEADLINE_MS: "5000",
    UPSTREAM_TIMEOUT_MS: "3000",
    // The product's answer is cached fresh: one miss, then hits.
    CATALOG_CACHE_TTL_S: "300",
  },
});

const ROUTE = "/productdetails/:productId";

async function details(id: string): Promise<number> {
  const response = await fetch(`${stack.bff.url}/productdetails/${id}`);
  await response.arrayBuffer();
  return response.status;
}

describe("metrics after a known sequence of calls and failures", () => {
  let samples: Sample[];
  const value = (name: string, labels: Record<string, string> = {}) => sampleValue(samples, name, labels);
  const calls = (service: string, outcome: string) =>
    value("portico_upstream_calls_total", { service, outcome });

  beforeAll(async () => {
    // 3 fresh answers.
    for (let i = 0; i < 3; i++) expect(await details("p1")).toBe(200);
    // reviews fails with 500 (not retried): after 3 ok + 3 errors the window is at 50 % and the
    // breaker opens; the next 3 calls are short-circuited.
    await injectFault(stack.shop, "reviews", { mode: "error", status: 500 });
    for (let i = 0; i < 6; i++) expect(await details("p1")).toBe(200);
    // pricing answers 503: one call, three attempts (two retries); the last price is served from cache.
    await injectFault(stack.shop, "pricing", { mode: "error", status: 503 });
    expect(await details("p1")).toBe(200);
    await clearFaults(stack.shop);
    samples = await scrape(stack.bff.url);
  });

  it("counts client requests by route template and status, and degraded answers by part and kind", () => {
    expect(value("portico_http_requests_total", { route: ROUTE, method: "GET", status: "200" })).toBe(10);
    expect(
      value("portico_http_request_duration_seconds_count", { route: ROUTE, method: "GET", status: "200" }),
    ).toBe(10);
    expect(value("portico_http_degraded_responses_total", { route: ROUTE })).toBe(7);
    expect(value("portico_fallbacks_total", { route: ROUTE, part: "reviews", kind: "empty" })).toBe(7);
    expect(value("portico_fallbacks_total", { route: ROUTE, part: "price", kind: "cache" })).toBe(1);
    // Never a raw path or an id as a label.
    expect(samples.some((s) => Object.values(s.labels).some((v) => v.includes("p1")))).toBe(false);
  });

  it("counts upstream calls by outcome, attempts, retries and cache lookups exactly", async () => {
    expect(calls("reviews", "ok")).toBe(3);
    expect(calls("reviews", "error")).toBe(3);
    expect(calls("reviews", "short-circuited")).toBe(4);
    expect(calls("reviews", "timeout")).toBe(0);
    expect(value("portico_upstream_retries_total", { service: "reviews" })).toBe(0);

    expect(calls("pricing", "ok")).toBe(9);
    expect(calls("pricing", "error")).toBe(1);
    expect(value("portico_upstream_attempts_total", { service: "pricing", outcome: "error" })).toBe(3);
    expect(value("portico_upstream_retries_total", { service: "pricing" })).toBe(2);
    expect((await recordedRequests(stack.shop, "pricing")).length).toBe(12);

    for (const service of ["inventory", "shipping", "recommendations"]) {
      expect(calls(service, "ok"), service).toBe(10);
      expect(value("portico_upstream_call_duration_seconds_count", { service, outcome: "ok" }), service).toBe(
        10,
      );
    }
    // The catalog answer is cached: one call, nine fresh-cache hits.
    expect(calls("catalog", "ok")).toBe(1);
    expect(value("portico_cache_misses_total", { service: "catalog", store: "fresh" })).toBe(1);
    expect(value("portico_cache_hits_total", { service: "catalog", store: "fresh" })).toBe(9);
    expect(calls("cart", "ok")).toBe(0);
  });

  it("shows each circuit's state and transitions", () => {
    expect(value("portico_circuit_state", { service: "reviews" })).toBe(2);
    // pricing: 9 ok and 3 failed attempts is 25 %: still closed.
    expect(value("portico_circuit_state", { service: "pricing" })).toBe(0);
    expect(value("portico_circuit_state", { service: "catalog" })).toBe(0);
    expect(value("portico_circuit_transitions_total", { service: "reviews", state: "open" })).toBe(1);
    expect(value("portico_upstream_in_flight", { service: "reviews" })).toBe(0);
  });

  it("has process metrics and the event-loop lag", () => {
    for (const name of [
      "process_cpu_seconds_total",
      "process_resident_memory_bytes",
      "nodejs_heap_size_used_bytes",
      "nodejs_eventloop_lag_seconds",
      "nodejs_eventloop_lag_p99_seconds",
    ]) {
      expect(value(name), name).toBeGreaterThanOrEqual(0);
    }
  });

  it("counts identical concurrent calls that shared one upstream call", async () => {
    await injectFault(stack.shop, "inventory", { mode: "delay", ms: 400 });
    const before =
      sampleValue(await scrape(stack.bff.url), "portico_upstream_coalesced_total", {
        service: "inventory",
      }) ?? 0;
    const statuses = await Promise.all(Array.from({ length: 5 }, () => details("p3")));
    expect(statuses).toEqual([200, 200, 200, 200, 200]);
    const after = await scrape(stack.bff.url);
    expect(
      (sampleValue(after, "portico_upstream_coalesced_total", { service: "inventory" }) ?? 0) - before,
    ).toBe(4);
    await clearFaults(stack.shop);
  });
});
