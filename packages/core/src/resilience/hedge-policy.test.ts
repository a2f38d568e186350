import { describe, expect, it } from "vitest";
import { ClientClosedError, UpstreamTimeoutError } from "../errors/index.js";
import { hedgePolicy } from "./hedge-policy.js";

function clock() {
  let ms = 1_000_000;
  return { now: () => ms, advance: (by: number) => (ms += by) };
}

describe("hedgePolicy", () => {
  it("a fixed delay: every call may be hedged after it", () => {
    const hedging = hedgePolicy({ service: "catalog", after: 40 });
    expect(hedging.delay()).toBe(40);
  });

  it("budget: hedges stay within HEDGE_BUDGET_PCT % of the first attempts of the last 10 s, plus one", () => {
    const time = clock();
    const hedging = hedgePolicy({ service: "catalog", after: 10, budgetPct: 5, now: time.now });
    for (let i = 0; i < 100; i++) hedging.delay();
    let granted = 0;
    for (let i = 0; i < 50; i++) if (hedging.tryHedge()) granted++;
    // 5 % of 100, plus one.
    expect(granted).toBe(6);
    // Ten seconds later the window has forgotten them: one hedge again (the "plus one").
    time.advance(10_500);
    expect(hedging.tryHedge()).toBe(true);
    expect(hedging.tryHedge()).toBe(false);
  });

  it("a budget of 0 % still allows one hedge per window", () => {
    const hedging = hedgePolicy({ service: "catalog", after: 10, budgetPct: 0, now: clock().now });
    for (let i = 0; i < 100; i++) hedging.delay();
    expect([hedging.tryHedge(), hedging.tryHedge()]).toEqual([true, false]);
  });

  it("p95: no delay until the window holds 20 calls that went out; then about their p95", () => {
    const time = clock();
    const hedging = hedgePolicy({ service: "catalog", after: "p95", now: time.now });
    for (let i = 0; i < 19; i++) hedging.sample(10, undefined);
    // Calls that did not go out are not samples.
    for (let i = 0; i < 5; i++) hedging.sample(1, new ClientClosedError());
    expect(hedging.delay()).toBeUndefined();
    time.advance(300);
    hedging.sample(100, new UpstreamTimeoutError("catalog", 100));
    const delay = hedging.delay();
    expect(delay).toBeGreaterThan(9);
    expect(delay).toBeLessThan(110);
    // Samples older than 10 s are forgotten.
    time.advance(11_000);
    expect(hedging.delay()).toBeUndefined();
  });
});
