import { sendJson } from "@portico/test-support";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { SingleFlight } from "../cache/single-flight.js";
import { HttpTransport } from "../client/http-transport.js";
import { ServiceClient } from "../client/service-client.js";
import { createRequestContext } from "../context.js";
import { roundRobin } from "../discovery/load-balancer.js";
import { StaticRegistry } from "../discovery/static-registry.js";
import { BulkheadFullError } from "../errors/index.js";
import { sleep } from "../test-support/async.js";
import { useFakeUpstreams } from "../test-support/fake-upstreams.js";
import { adaptiveConcurrencyPolicy } from "./adaptive-concurrency-policy.js";
import { createUpstreamPolicy } from "./upstream-policy.js";

const schema = z.object({ id: z.string() });
const { upstream, onCleanup } = useFakeUpstreams();

/**
 * An upstream whose latency grows with its concurrency (queueing), while
 * `overloaded` says so: `base + perCall × calls in progress` ms; else `base`.
 */
async function queueingUpstream(base: number, perCall: number) {
  const state = { overloaded: true, inProgress: 0, peak: 0 };
  const server = await upstream(async (_req, res) => {
    state.inProgress++;
    state.peak = Math.max(state.peak, state.inProgress);
    try {
      await sleep(state.overloaded ? base + perCall * state.inProgress : base);
      if (!res.destroyed) sendJson(res, 200, { id: "p1" });
    } finally {
      state.inProgress--;
    }
  });
  return { server, state };
}

function adaptiveClient(url: string, maxConcurrent: number) {
  const transport = new HttpTransport();
  const upstream = createUpstreamPolicy({
    service: "catalog",
    timeoutMs: 5_000,
    breaker: { windowMs: 10_000, minRequests: 5, errorPct: 50, openMs: 5_000 },
    maxConcurrent,
    idempotent: true,
    adaptiveConcurrency: true,
  });
  onCleanup(async () => {
    upstream.breaker.dispose();
    await transport.close();
  });
  return new ServiceClient({
    service: "catalog",
    balancer: roundRobin(new StaticRegistry({ catalog: [url] }), "catalog"),
    transport,
    ...upstream,
    singleFlight: new SingleFlight(),
  });
}

/** `callers` loops calling distinct keys (no coalescing) for `ms`; returns how many succeeded and how many were shed. */
async function drive(client: ServiceClient, callers: number, ms: number) {
  const until = performance.now() + ms;
  const outcome = { ok: 0, shed: [] as unknown[] };
  let n = 0;
  await Promise.all(
    Array.from({ length: callers }, async () => {
      while (performance.now() < until) {
        try {
          await client.get(createRequestContext({ deadlineMs: 5_000 }), `/products/p${n++}`, schema);
          outcome.ok++;
        } catch (error) {
          outcome.shed.push(error);
          await sleep(5);
        }
      }
    }),
  );
  return outcome;
}

describe("adaptiveConcurrencyPolicy (ADAPTIVE_CONCURRENCY=on)", () => {
  it("starts at 20, or at the ceiling when it is lower", () => {
    expect(adaptiveConcurrencyPolicy({ service: "catalog", ceiling: 256 }).limit).toBe(20);
    const small = adaptiveConcurrencyPolicy({ service: "catalog", ceiling: 4 });
    expect(small).toMatchObject({ limit: 4, capacity: 4, inFlight: 0 });
  });

  it("shrinks under latency that rises with concurrency, sheds the excess fast and uncounted, and grows back", async () => {
    const { server, state } = await queueingUpstream(5, 4);
    const client = adaptiveClient(server.url, 256);
    const bulkhead = client.bulkhead as ReturnType<typeof adaptiveConcurrencyPolicy>;
    expect(bulkhead.limit).toBe(20);
    // Light load first: the algorithm learns what the service takes when it is not queueing.
    await drive(client, 2, 300);
    const warmUp = client.breaker.snapshot().calls;

    const overloaded = await drive(client, 40, 1_500);
    const shrunk = bulkhead.limit;
    expect(shrunk).toBeLessThan(20);
    expect(shrunk).toBeGreaterThanOrEqual(1);
    expect(overloaded.ok).toBeGreaterThan(0);
    expect(overloaded.shed.length).toBeGreaterThan(0);
    // Shed with the bulkhead's error: a required part's 503 with Retry-After: 1.
    for (const error of overloaded.shed) {
      expect(error).toBeInstanceOf(BulkheadFullError);
      expect(error).toMatchObject({ code: "BULKHEAD_FULL", status: 503, retryAfterS: 1 });
    }
    // Only calls that went out are counted by the breaker: the shed ones are not.
    expect(client.breaker.snapshot()).toMatchObject({ calls: warmUp + overloaded.ok, failures: 0 });
    expect(client.breaker.state).toBe("closed");
    expect(state.peak).toBeLessThanOrEqual(20);
    // It settles where latency is about 1.5 x what it was unloaded (Gradient2's tolerance): 5 + 4n ms.
    expect(shrunk).toBeLessThanOrEqual(14);

    state.overloaded = false;
    await drive(client, 40, 1_500);
    expect(bulkhead.limit).toBeGreaterThan(shrunk);
  });

  it("never lets more calls out than the ceiling (MAX_CONCURRENT_PER_UPSTREAM)", async () => {
    const { server, state } = await queueingUpstream(5, 0);
    state.overloaded = false;
    const client = adaptiveClient(server.url, 4);
    await drive(client, 12, 600);
    expect(state.peak).toBeLessThanOrEqual(4);
    expect((client.bulkhead as ReturnType<typeof adaptiveConcurrencyPolicy>).limit).toBe(4);
  });
});
