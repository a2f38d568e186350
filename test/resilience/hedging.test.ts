import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  clearFaults,
  type DemoShop,
  injectFault,
  type RunningBff,
  serviceStats,
  startBff,
  startDemoShop,
} from "../support/processes.js";

/**
 * Issue 18's hedging measurement: two catalog instances, one of which
 * answers 10 % of its calls 300 ms late. The same sequential load through
 * a BFF without hedging and one with `CATALOG_HEDGE_AFTER_MS`: the
 * composite's p99 is at least halved, with at most 5 % more calls to
 * catalog (bounds generous for 2 noisy cores).
 */
const REQUESTS = 400;
const WARM_UP = 20;

let healthy: DemoShop;
let lagging: DemoShop;
let plain: RunningBff;
let hedged: RunningBff;

beforeAll(async () => {
  [healthy, lagging] = await Promise.all([startDemoShop(), startDemoShop()]);
  const env = {
    ...healthy.env,
    CATALOG_URL: `${healthy.urls.catalog},${lagging.urls.catalog}`,
    // Nothing else may shed or eject during the runs: only the hedge differs.
    OUTLIER_CONSECUTIVE_FAILURES: "0",
  };
  [plain, hedged] = await Promise.all([
    startBff("mobile-bff", env),
    startBff("mobile-bff", { ...env, CATALOG_HEDGE_AFTER_MS: "60" }),
  ]);
}, 120_000);

afterAll(async () => {
  await Promise.all([plain?.stop(), hedged?.stop()]);
  await Promise.all([healthy?.stop(), lagging?.stop()]);
});

function percentile(sorted: readonly number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)] ?? Number.NaN;
}

async function catalogCalls(): Promise<number> {
  const [a, b] = await Promise.all([serviceStats(healthy, "catalog"), serviceStats(lagging, "catalog")]);
  return a.total + b.total;
}

/** `REQUESTS` sequential composites through `bff`; their latencies (sorted) and the catalog calls they made. */
async function run(bff: RunningBff): Promise<{ p99: number; p50: number; calls: number }> {
  for (let i = 0; i < WARM_UP; i++) await (await fetch(`${bff.url}/productdetails/p1`)).arrayBuffer();
  // A fresh fault: its rate is an exact fraction of the requests it sees from now on.
  await clearFaults(lagging);
  await injectFault(lagging, "catalog", { mode: "delay", ms: 300, rate: 0.1 });
  const before = await catalogCalls();
  const latencies: number[] = [];
  for (let i = 0; i < REQUESTS; i++) {
    const started = performance.now();
    const response = await fetch(`${bff.url}/productdetails/p1`);
    await response.arrayBuffer();
    expect(response.status).toBe(200);
    latencies.push(performance.now() - started);
  }
  const calls = (await catalogCalls()) - before;
  await clearFaults(lagging);
  latencies.sort((a, b) => a - b);
  return { p50: percentile(latencies, 0.5), p99: percentile(latencies, 0.99), calls };
}

describe("hedged calls (CATALOG_HEDGE_AFTER_MS), measured", () => {
  it("halves the composite p99 with at most 5 % extra calls to catalog", async () => {
    const off = await run(plain);
    const on = await run(hedged);
    console.info(
      `hedging off: p50 ${off.p50.toFixed(1)} ms, p99 ${off.p99.toFixed(1)} ms, ${off.calls} catalog calls; ` +
        `on: p50 ${on.p50.toFixed(1)} ms, p99 ${on.p99.toFixed(1)} ms, ${on.calls} catalog calls`,
    );
    expect(off.p99).toBeGreaterThan(300);
    expect(on.p99).toBeLessThanOrEqual(off.p99 / 2);
    // The budget: 5 % of the first attempts of the last 10 s, plus one per window.
    expect(on.calls).toBeLessThanOrEqual(Math.ceil(off.calls * 1.05) + 3);
  }, 120_000);
});
