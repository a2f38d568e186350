import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { expectProblem } from "../support/problem.js";
import {
  clearFaults,
  clearRecordedRequests,
  type DemoShop,
  injectFault,
  type RunningBff,
  recordedRequests,
  serviceStats,
  startBff,
  startDemoShop,
} from "../support/processes.js";
import { json, type MobileProductDetails } from "../support/shapes.js";

const OPEN_MS = 1_500;

let shop: DemoShop;
let bff: RunningBff;

beforeAll(async () => {
  shop = await startDemoShop();
  bff = await startBff("mobile-bff", {
    ...shop.env,
    BREAKER_MIN_REQUESTS: "5",
    BREAKER_ERROR_PCT: "50",
    BREAKER_OPEN_MS: String(OPEN_MS),
    BREAKER_WINDOW_MS: "30000",
    REQUEST_DEADLINE_MS: "5000",
    UPSTREAM_TIMEOUT_MS: "4000",
  });
});

afterAll(async () => {
  await bff?.stop();
  await shop?.stop();
});

afterEach(async () => {
  await clearFaults(shop);
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe("circuit breaker per upstream service", () => {
  it("stops calling a failing service, answers fast with the fallback, and closes after one trial", async () => {
    await injectFault(shop, "reviews", { mode: "error", status: 500 });
    await clearRecordedRequests(shop);
    for (let i = 0; i < 5; i++) {
      const body = await json<MobileProductDetails>(await fetch(`${bff.url}/productdetails/p1`));
      expect(body.degraded.reviews).toBe("empty");
    }
    const callsWhenOpened = (await recordedRequests(shop, "reviews")).length;
    expect(callsWhenOpened).toBe(5);

    // Open: the service is not called at all, and the answers still come fast with the fallback.
    for (let i = 0; i < 10; i++) {
      const started = performance.now();
      const response = await fetch(`${bff.url}/productdetails/p1`);
      const body = await json<MobileProductDetails>(response);
      expect(response.status).toBe(200);
      expect(body.degraded.reviews).toBe("empty");
      expect(performance.now() - started).toBeLessThan(500);
    }
    expect((await recordedRequests(shop, "reviews")).length).toBe(callsWhenOpened);

    // After the open period, the service has healed: one trial call closes the breaker.
    await clearFaults(shop);
    await sleep(OPEN_MS + 200);
    const trial = await json<MobileProductDetails>(await fetch(`${bff.url}/productdetails/p1`));
    expect(trial.degraded).toEqual({});
    const afterTrial = (await recordedRequests(shop, "reviews")).length;
    expect(afterTrial).toBe(callsWhenOpened + 1);
    for (let i = 0; i < 3; i++) {
      const body = await json<MobileProductDetails>(await fetch(`${bff.url}/productdetails/p1`));
      expect(body.degraded).toEqual({});
    }
    expect((await recordedRequests(shop, "reviews")).length).toBe(afterTrial + 3);
  });

  it("answers 503 with Retry-After while the required catalog's breaker is open", async () => {
    await injectFault(shop, "catalog", { mode: "error", status: 500 });
    // Earlier successes share the window: fail until the error rate reaches 50%.
    let response = await fetch(`${bff.url}/productdetails/p2`);
    for (let i = 0; i < 100 && response.status === 502; i++) {
      await response.body?.cancel();
      response = await fetch(`${bff.url}/productdetails/p2`);
    }
    const retryAfter = Number(response.headers.get("retry-after"));
    await expectProblem(response, 503);
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(Math.ceil(OPEN_MS / 1000));
    await clearFaults(shop);
    await sleep(OPEN_MS + 200);
    expect((await fetch(`${bff.url}/productdetails/p2`)).status).toBe(200);
  });
});

describe("cancellation and coalescing", () => {
  it("closes the upstream request when the client disconnects", async () => {
    await injectFault(shop, "inventory", { mode: "hang" });
    const before = await serviceStats(shop, "inventory");
    const controller = new AbortController();
    const request = fetch(`${bff.url}/productdetails/p6`, { signal: controller.signal }).catch(
      (e: unknown) => e,
    );
    await sleep(300);
    expect((await serviceStats(shop, "inventory")).inFlight).toBe(before.inFlight + 1);
    controller.abort();
    await request;
    await expect
      .poll(async () => (await serviceStats(shop, "inventory")).closedByClient, { timeout: 2_000 })
      .toBe(before.closedByClient + 1);
    expect((await serviceStats(shop, "inventory")).inFlight).toBe(before.inFlight);
  });

  it("sends 20 concurrent identical requests to the upstream once", async () => {
    await injectFault(shop, "catalog", { mode: "delay", ms: 300 });
    await clearRecordedRequests(shop);
    const answers = await Promise.all(
      Array.from({ length: 20 }, () =>
        fetch(`${bff.url}/productdetails/p7`).then((r) => json<MobileProductDetails>(r)),
      ),
    );
    for (const body of answers) expect(body.product.id).toBe("p7");
    const catalogCalls = (await recordedRequests(shop, "catalog")).filter((r) => r.path === "/products/p7");
    expect(catalogCalls).toHaveLength(1);
  });
});
