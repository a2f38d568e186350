import { closedPortUrl, type FakeUpstream, sendJson, startFakeUpstream } from "@portico/test-support";
import { afterEach, describe, expect, it } from "vitest";
import { z } from "zod";
import { SingleFlight } from "../cache/single-flight.js";
import { HttpTransport } from "../client/http-transport.js";
import { ServiceClient } from "../client/service-client.js";
import { combineObservers, type UpstreamAttemptEvent } from "../client/upstream-observer.js";
import { createRequestContext } from "../context.js";
import { createUpstreamPolicy } from "../resilience/upstream-policy.js";
import { sleep } from "../test-support/async.js";
import type { PickOptions } from "./candidates.js";
import type { BalancingStrategy } from "./load-balancer.js";
import { createLoadBalancing, type LoadBalancing } from "./load-balancing.js";
import { StaticRegistry } from "./static-registry.js";

const schema = z.object({ id: z.string() });
const cleanups: Array<() => Promise<void> | void> = [];

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** A fake instance answering `{"id":"p1"}` after `delayMs`, or `state.status` when that is a 5xx. */
async function upstream(delayMs = 0): Promise<FakeUpstream & { state: { status: number } }> {
  const state = { status: 200 };
  const server = await startFakeUpstream(async (_req, res) => {
    if (delayMs > 0) await sleep(delayMs);
    if (state.status >= 500) sendJson(res, state.status, { error: "down" });
    else sendJson(res, 200, { id: "p1" });
  });
  cleanups.push(() => server.close());
  return Object.assign(server, { state });
}

interface Pick {
  readonly avoid: string[];
  readonly picked: string;
}

/** A real client for `urls` (HTTP, retry, breaker, timeout) balanced by `createLoadBalancing`. */
function balancedClient(
  urls: string[],
  {
    strategy = "round-robin",
    ejectionMs = 10_000,
    healthCheckIntervalMs = 1000,
  }: {
    strategy?: BalancingStrategy;
    ejectionMs?: number;
    healthCheckIntervalMs?: number;
  } = {},
) {
  const registry = new StaticRegistry({ catalog: urls });
  const balancing: LoadBalancing = createLoadBalancing({
    registry,
    strategyOf: () => strategy,
    outlier: { consecutiveFailures: 5, ejectionMs, healthCheckIntervalMs },
  });
  const picks: Pick[] = [];
  const attempts: UpstreamAttemptEvent[] = [];
  const inner = balancing.balancer("catalog");
  const transport = new HttpTransport();
  const { policy, writePolicy, breaker, bulkhead } = createUpstreamPolicy({
    service: "catalog",
    timeoutMs: 1000,
    // The breaker is per service and stays out of the way here: ejection is per instance.
    breaker: { windowMs: 10_000, minRequests: 10_000, errorPct: 50, openMs: 5_000 },
    maxConcurrent: 64,
    idempotent: true,
  });
  cleanups.push(async () => {
    balancing.close();
    breaker.dispose();
    await transport.close();
  });
  const client = new ServiceClient({
    service: "catalog",
    balancer: {
      pick(options?: PickOptions) {
        const instance = inner.pick(options);
        picks.push({ avoid: [...(options?.avoid ?? [])], picked: instance.id });
        return instance;
      },
    },
    transport,
    policy,
    writePolicy,
    breaker,
    bulkhead,
    singleFlight: new SingleFlight(),
    observer: combineObservers(balancing.observer, { attempt: (event) => attempts.push(event) }),
  });
  // Distinct paths: no coalescing, every call goes out.
  let n = 0;
  const call = () => client.get(createRequestContext({ deadlineMs: 3000 }), `/products/p${n++}`, schema);
  return { call, picks, attempts, balancing };
}

describe("load balancing through a real service client", () => {
  it("loses no call when one of two instances refuses connections: every retry goes to the other", async () => {
    const good = await upstream();
    const dead = await closedPortUrl();
    const { call, picks, balancing } = balancedClient([good.url, dead]);
    const results = await Promise.allSettled(Array.from({ length: 8 }, () => call()));
    expect(results.filter((r) => r.status === "rejected")).toEqual([]);
    const retries = picks.filter((p) => p.avoid.length > 0);
    expect(retries.length).toBeGreaterThan(0);
    for (const retry of retries) expect(retry.avoid).not.toContain(retry.picked);
    // Five refusals in a row ejected it: later first attempts all go to the good one.
    expect(balancing.instances("catalog").find((i) => i.url === dead)?.ejected).toBe(true);
    const before = picks.length;
    await Promise.all(Array.from({ length: 10 }, () => call()));
    expect(picks.slice(before).every((p) => p.picked === good.url)).toBe(true);
  });

  it("ejects an instance answering 5xx and brings it back once GET /health passes", async () => {
    const steady = await upstream();
    const flaky = await upstream();
    const { call, picks, balancing } = balancedClient([steady.url, flaky.url], {
      ejectionMs: 300,
      healthCheckIntervalMs: 50,
    });
    flaky.state.status = 503;
    const results = await Promise.allSettled(Array.from({ length: 20 }, () => call()));
    // 503 is retried, on the other instance: still no failed call.
    expect(results.filter((r) => r.status === "rejected")).toEqual([]);
    expect(balancing.instances("catalog").find((i) => i.url === flaky.url)?.ejected).toBe(true);
    // Still sick after the period: health checks keep it out.
    await sleep(500);
    expect(flaky.requests.some((r) => r.url === "/health")).toBe(true);
    expect(balancing.instances("catalog").find((i) => i.url === flaky.url)?.ejected).toBe(true);
    flaky.state.status = 200;
    const back = Date.now();
    while (balancing.instances("catalog").find((i) => i.url === flaky.url)?.ejected) {
      if (Date.now() - back > 2000) throw new Error("the healed instance never came back");
      await sleep(20);
    }
    const before = picks.length;
    await Promise.all(Array.from({ length: 10 }, () => call()));
    expect(picks.slice(before).filter((p) => p.picked === flaky.url).length).toBe(5);
  });

  it("least-outstanding gives a slow instance far less traffic than round-robin would", async () => {
    const slow = await upstream(150);
    const fast = await upstream(0);
    const { call, attempts } = balancedClient([slow.url, fast.url], { strategy: "least-outstanding" });
    // Eight callers in a loop for a fixed number of calls.
    let left = 120;
    await Promise.all(
      Array.from({ length: 8 }, async () => {
        while (left-- > 0) await call();
      }),
    );
    const toSlow = attempts.filter((a) => a.instance.url === slow.url).length;
    const toFast = attempts.filter((a) => a.instance.url === fast.url).length;
    expect(toSlow + toFast).toBe(120);
    // Round-robin would send 60 to each; least-outstanding about one per slow response time.
    expect(toSlow).toBeLessThan(30);
  });
});
