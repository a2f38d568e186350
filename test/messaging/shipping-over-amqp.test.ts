import amqp, { type ChannelModel } from "amqplib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  BROKER_URL,
  brokerReachable,
  deleteBrokerNames,
  eventually,
  uniqueBrokerNames,
} from "../support/broker.js";
import {
  clearFaults,
  type DemoShop,
  injectFault,
  type RunningBff,
  recordedRequests,
  startBff,
  startDemoShop,
} from "../support/processes.js";

const reachable = await brokerReachable();

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

describe.skipIf(!reachable)("shipping over AMQP, end to end through mobile-bff", () => {
  const names = uniqueBrokerNames();
  const silent = uniqueBrokerNames();
  let shop: DemoShop;
  let overAmqp: RunningBff;
  let overHttp: RunningBff;
  let neverAnswered: RunningBff;
  let silentConsumer: ChannelModel;

  beforeAll(async () => {
    const amqpEnv = { AMQP_URL: BROKER_URL, SHIPPING_TRANSPORT: "amqp", ...names.env };
    shop = await startDemoShop(amqpEnv);
    // A consumer that takes every request and never answers.
    silentConsumer = await amqp.connect(BROKER_URL);
    const channel = await silentConsumer.createChannel();
    await channel.assertQueue(silent.queue, { durable: false, autoDelete: true });
    await channel.consume(silent.queue, () => {}, { noAck: true });
    const bffEnv = { ...shop.env, BREAKER_MIN_REQUESTS: "1000", SHIPPING_TIMEOUT_MS: "400" };
    [overAmqp, overHttp, neverAnswered] = await Promise.all([
      startBff("mobile-bff", { ...bffEnv, ...amqpEnv }),
      startBff("mobile-bff", bffEnv),
      startBff("mobile-bff", { ...bffEnv, ...amqpEnv, ...silent.env }),
    ]);
    // The BFF connects to the broker in the background: wait until shipping answers over it.
    await eventually(async () => (await details(overAmqp)).body.degraded.shipping === undefined, 10_000);
  });

  afterAll(async () => {
    await Promise.all([overAmqp?.stop(), overHttp?.stop(), neverAnswered?.stop()]);
    await shop?.stop();
    await silentConsumer?.close().catch(() => {});
    await deleteBrokerNames({ queues: [names.queue, silent.queue], exchanges: [names.exchange] });
  });

  it("answers with the same shipping options as over HTTP, for every product kind", async () => {
    for (const id of ["p1", "p11", "p17", "p3"]) {
      const [viaAmqp, viaHttp] = await Promise.all([details(overAmqp, id), details(overHttp, id)]);
      expect(viaAmqp.status).toBe(200);
      expect(viaAmqp.body.degraded).toEqual({});
      expect(viaAmqp.body.shipping.length).toBeGreaterThan(0);
      expect(viaAmqp.body.shipping).toEqual(viaHttp.body.shipping);
    }
    const direct = (await (await fetch(`${shop.urls.shipping}/quotes?productId=p1`)).json()) as {
      options: unknown[];
    };
    expect((await details(overAmqp, "p1")).body.shipping).toEqual(direct.options);
  });

  it("really goes over the queue, carrying the request id", async () => {
    await details(overAmqp, "p2", "amqp-e2e-1");
    const shipping = await recordedRequests(shop, "shipping");
    const mine = shipping.filter((r) => r.requestId === "amqp-e2e-1");
    expect(mine).toHaveLength(1);
    expect(mine[0]).toMatchObject({ method: "AMQP", path: "/quotes", query: "productId=p2" });
    expect(mine[0]?.traceparent).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$/);
  });

  it("degrades shipping to empty within its timeout when the consumer never answers", async () => {
    const { status, body, ms } = await details(neverAnswered);
    expect(status).toBe(200);
    expect(body.shipping).toEqual([]);
    expect(body.degraded).toEqual({ shipping: "empty" });
    // SHIPPING_TIMEOUT_MS=400; the rest of the page does not wait for it any longer.
    expect(ms).toBeGreaterThanOrEqual(390);
    expect(ms).toBeLessThan(400 + 600);
  });

  it("degrades shipping to empty when the demo's shipping consumer hangs (fault injection), then recovers", async () => {
    await injectFault(shop, "shipping", { mode: "hang" });
    try {
      const { body, ms } = await details(overAmqp, "p4");
      expect(body.degraded).toEqual({ shipping: "empty" });
      expect(ms).toBeLessThan(1000);
    } finally {
      await clearFaults(shop);
    }
    const { body } = await details(overAmqp, "p4");
    expect(body.degraded).toEqual({});
  });

  it("treats a shipping error status over AMQP like an HTTP 5xx", async () => {
    await injectFault(shop, "shipping", { mode: "error", status: 500 });
    try {
      const { body } = await details(overAmqp, "p5");
      expect(body).toMatchObject({ shipping: [], degraded: { shipping: "empty" } });
    } finally {
      await clearFaults(shop);
    }
  });
});
