import { type ClosedLoopResult, closedLoop, startQueueingUpstream } from "@portico/test-support";
import { afterAll, describe, expect, it } from "vitest";
import { startBff } from "../support/processes.js";

// Issue 18's measurement of ADAPTIVE_CONCURRENCY: an upstream whose latency
// grows with its concurrency (it serves CAPACITY requests at a time, the
// rest queue, and it finishes work whose caller left, as a real overloaded
// server does), driven past its capacity through mobile-bff's pass-through.
// Goodput is the rate of 200s answered within the request deadline; a
// client backs off 50 ms after anything else (and 2 cores spin on fewer 503s).
// bench/tail.mjs measures the same with the same helpers.
const CAPACITY = 2;
const SERVICE_MS = 25;
const DEADLINE_MS = 1000;
const LIGHT_CLIENTS = 2 * CAPACITY;
const OVERLOAD_CLIENTS = 100;

const running: { close(): Promise<unknown> }[] = [];
afterAll(async () => {
  await Promise.all(running.splice(0).map((each) => each.close()));
});

/** Peak (light load, warm) and overload phases against a fresh upstream. */
async function measure(adaptive: boolean): Promise<{ peak: ClosedLoopResult; overload: ClosedLoopResult }> {
  const upstream = await startQueueingUpstream({
    capacity: CAPACITY,
    serviceMs: SERVICE_MS,
    body: { productId: "p1", average: 4.5, count: 1, items: [] },
  });
  running.push(upstream);
  const bff = await startBff("mobile-bff", {
    REVIEWS_URL: upstream.url,
    ADAPTIVE_CONCURRENCY: adaptive ? "on" : "off",
    REQUEST_DEADLINE_MS: String(DEADLINE_MS),
    UPSTREAM_TIMEOUT_MS: "800",
    // The breaker would open on the timeouts and hide the collapse this measures.
    BREAKER_MIN_REQUESTS: "1000000",
  });
  running.push({ close: () => bff.stop() });
  const load = (clients: number, durationMs: number) =>
    closedLoop({
      url: `${bff.url}/reviews?productId=p1`,
      clients,
      durationMs,
      deadlineMs: DEADLINE_MS,
      backoffMs: 50,
    });
  const peak = await load(LIGHT_CLIENTS, 3000);
  // The first second of overload is the limit adapting; then the measured window.
  await load(OVERLOAD_CLIENTS, 1000);
  const overload = await load(OVERLOAD_CLIENTS, 5000);
  return { peak, overload };
}

describe("adaptive concurrency past an upstream's capacity", { timeout: 120_000 }, () => {
  it("keeps goodput at 80 % of its peak and p99 under the deadline, where the static bulkhead collapses", async () => {
    const adaptive = await measure(true);
    const fixed = await measure(false);
    console.info(
      JSON.stringify({
        adaptive: { peak: adaptive.peak, overload: adaptive.overload },
        static: { peak: fixed.peak, overload: fixed.overload },
      }),
    );
    // At light load both serve about the upstream's capacity (80 rps): the peak is real.
    expect(adaptive.peak.goodput).toBeGreaterThan(40);
    expect(fixed.peak.goodput).toBeGreaterThan(40);
    expect(adaptive.overload.goodput).toBeGreaterThanOrEqual(0.8 * adaptive.peak.goodput);
    expect(adaptive.overload.p99Ms).toBeLessThan(DEADLINE_MS);
    // Without it, the same overload turns into timeouts.
    expect(fixed.overload.goodput).toBeLessThan(0.5 * fixed.peak.goodput);
  });
});
