import type http from "node:http";
import { type FakeUpstream, sendJson, startFakeUpstream } from "@portico/test-support";
import { afterAll, describe, expect, it } from "vitest";
import { type RunningBff, startBff } from "../support/processes.js";

// Issue 18's measurement of ADAPTIVE_CONCURRENCY: an upstream whose latency
// grows with its concurrency (it serves CAPACITY requests at a time, the
// rest queue, and it finishes work whose caller left, as a real overloaded
// server does), driven past its capacity through mobile-bff's pass-through.
// Goodput is the rate of 200s answered within the request deadline.
const CAPACITY = 2;
const SERVICE_MS = 25;
const DEADLINE_MS = 1000;
const LIGHT_CLIENTS = 2 * CAPACITY;
const OVERLOAD_CLIENTS = 100;

const running: { close(): Promise<void> | void }[] = [];
afterAll(async () => {
  await Promise.all(running.splice(0).map((each) => each.close()));
});

/** A service of fixed capacity: latency is the queue ahead plus SERVICE_MS. */
async function queueingUpstream(): Promise<FakeUpstream> {
  let busy = 0;
  const queue: (() => void)[] = [];
  const next = () => {
    while (busy < CAPACITY && queue.length > 0) {
      busy++;
      queue.shift()?.();
    }
  };
  const upstream = await startFakeUpstream((_req: http.IncomingMessage, res: http.ServerResponse) => {
    queue.push(() =>
      setTimeout(() => {
        busy--;
        if (!res.destroyed) sendJson(res, 200, { productId: "p1", average: 4.5, count: 1, items: [] });
        next();
      }, SERVICE_MS),
    );
    next();
  });
  running.push(upstream);
  return upstream;
}

interface Phase {
  /** 200s within the deadline, per second. */
  readonly goodput: number;
  readonly p99Ms: number;
  readonly statuses: Record<number, number>;
}

/** `clients` closed-loop clients for `ms`; a client pauses 50 ms after anything but a 200 (a client backing off, and fewer 503s to spin on 2 cores). */
async function drive(bff: RunningBff, clients: number, ms: number): Promise<Phase> {
  const latencies: number[] = [];
  const statuses: Record<number, number> = {};
  let good = 0;
  const end = performance.now() + ms;
  await Promise.all(
    Array.from({ length: clients }, async () => {
      while (performance.now() < end) {
        const started = performance.now();
        let status = 0;
        try {
          const response = await fetch(`${bff.url}/reviews?productId=p1`, {
            signal: AbortSignal.timeout(5000),
          });
          await response.arrayBuffer();
          status = response.status;
        } catch {
          status = 0;
        }
        const took = performance.now() - started;
        latencies.push(took);
        statuses[status] = (statuses[status] ?? 0) + 1;
        if (status === 200 && took <= DEADLINE_MS) good++;
        else await new Promise((resolve) => setTimeout(resolve, 50));
      }
    }),
  );
  latencies.sort((x, y) => x - y);
  return {
    goodput: good / (ms / 1000),
    p99Ms: latencies[Math.floor(latencies.length * 0.99)] ?? 0,
    statuses,
  };
}

/** Peak (light load, warm) and overload phases against a fresh upstream. */
async function measure(adaptive: boolean): Promise<{ peak: Phase; overload: Phase }> {
  const upstream = await queueingUpstream();
  const bff = await startBff("mobile-bff", {
    REVIEWS_URL: upstream.url,
    ADAPTIVE_CONCURRENCY: adaptive ? "on" : "off",
    REQUEST_DEADLINE_MS: String(DEADLINE_MS),
    UPSTREAM_TIMEOUT_MS: "800",
    // The breaker would open on the timeouts and hide the collapse this measures.
    BREAKER_MIN_REQUESTS: "1000000",
  });
  running.push({
    close: async () => {
      await bff.stop();
    },
  });
  const peak = await drive(bff, LIGHT_CLIENTS, 3000);
  // The first second of overload is the limit adapting; then the measured window.
  await drive(bff, OVERLOAD_CLIENTS, 1000);
  const overload = await drive(bff, OVERLOAD_CLIENTS, 5000);
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
