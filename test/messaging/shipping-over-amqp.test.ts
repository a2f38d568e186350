import {
  BROKER_URL,
  deleteBrokerNames,
  eventually,
  type QueueService,
  requireBroker,
  startQueueService,
  uniqueBrokerNames,
} from "@portico/test-support";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { clearFaults, injectFault, type RunningBff, recordedRequests } from "../support/processes.js";
import { useStack } from "../support/stack.js";

interface ProductDetails {
  shipping: unknown[];
  degraded: Record<string, string>;
}

async function details(bff: RunningBff, id = "p1", requestId?: string) {
  const started = performance.now();
  const response = await fetch(`${bff.url}/productdetails/${id}`, {
    headers: requestId === undefined ? {} : { "x-request-id": requestId },
  });
  const body = (await response.json()) as ProductDetails;
  return { status: response.status, body, ms: performance.now() - started };
}

describe("shipping over AMQP, end to end through mobile-bff", () => {
  const names = uniqueBrokerNames();
  const silent = uniqueBrokerNames();
  const amqpEnv = { AMQP_URL: BROKER_URL, SHIPPING_TRANSPORT: "amqp", ...names.env };
  let silentConsumer: QueueService | undefined;

  beforeAll(async () => {
    await requireBroker();
    // A consumer that takes every request and never answers.
    silentConsumer = await startQueueService({ silentQueues: [silent.queue] });
  });

  // Registered before the stack, so it runs after the stack stopped.
  afterAll(async () => {
    await silentConsumer?.close();
    await deleteBrokerNames({ queues: [names.queue, silent.queue], exchanges: [names.exchange] });
  });

  const stack = useStack({
    shopEnv: amqpEnv,
    bffEnv: { BREAKER_MIN_REQUESTS: "1000", SHIPPING_TIMEOUT_MS: "400" },
    bffs: {
      overAmqp: { app: "mobile-bff", env: amqpEnv },
      overHttp: { app: "mobile-bff" },
      neverAnswered: { app: "mobile-bff", env: { ...amqpEnv, ...silent.env } },
    },
  });

  beforeAll(async () => {
    // The BFF connects to the broker in the background: wait until shipping answers over it.
    await eventually(async () => (await details(stack.bffs.overAmqp)).body.degraded.shipping === undefined, {
      timeoutMs: 10_000,
      intervalMs: 50,
    });
  });

  it("answers with the same shipping options as over HTTP, for every product kind", async () => {
    for (const id of ["p1", "p11", "p17", "p3"]) {
      const [viaAmqp, viaHttp] = await Promise.all([
        details(stack.bffs.overAmqp, id),
        details(stack.bffs.overHttp, id),
      ]);
      expect(viaAmqp.status).toBe(200);
      expect(viaAmqp.body.degraded).toEqual({});
      expect(viaAmqp.body.shipping.length).toBeGreaterThan(0);
      expect(viaAmqp.body.shipping).toEqual(viaHttp.body.shipping);
    }
    const direct = (await (await fetch(`${stack.shop.urls.shipping}/quotes?productId=p1`)).json()) as {
      options: unknown[];
    };
    expect((await details(stack.bffs.overAmqp, "p1")).body.shipping).toEqual(direct.options);
  });

  it("really goes over the queue, carrying the request id", async () => {
    await details(stack.bffs.overAmqp, "p2", "amqp-e2e-1");
    const shipping = await recordedRequests(stack.shop, "shipping");
    const mine = shipping.filter((r) => r.requestId === "amqp-e2e-1");
    expect(mine).toHaveLength(1);
    expect(mine[0]).toMatchObject({ method: "AMQP", path: "/quotes", query: "productId=p2" });
    expect(mine[0]?.traceparent).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$/);
  });

  it("degrades shipping to empty within its timeout when the consumer never answers", async () => {
    const { status, body, ms } = await details(stack.bffs.neverAnswered);
    expect(status).toBe(200);
    expect(body.shipping).toEqual([]);
    expect(body.degraded).toEqual({ shipping: "empty" });
    // SHIPPING_TIMEOUT_MS=400; the rest of the page does not wait for it any longer.
    expect(ms).toBeGreaterThanOrEqual(390);
    expect(ms).toBeLessThan(400 + 600);
  });

  it("degrades shipping to empty when the demo's shipping consumer hangs (fault injection), then recovers", async () => {
    await injectFault(stack.shop, "shipping", { mode: "hang" });
    try {
      const { body, ms } = await details(stack.bffs.overAmqp, "p4");
      expect(body.degraded).toEqual({ shipping: "empty" });
      expect(ms).toBeLessThan(1000);
    } finally {
      await clearFaults(stack.shop);
    }
    const { body } = await details(stack.bffs.overAmqp, "p4");
    expect(body.degraded).toEqual({});
  });

  it("treats a shipping error status over AMQP like an HTTP 5xx", async () => {
    await injectFault(stack.shop, "shipping", { mode: "error", status: 500 });
    try {
      const { body } = await details(stack.bffs.overAmqp, "p5");
      expect(body).toMatchObject({ shipping: [], degraded: { shipping: "empty" } });
    } finally {
      await clearFaults(stack.shop);
    }
  });
});
