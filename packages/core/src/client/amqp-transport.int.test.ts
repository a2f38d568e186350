import {
  BROKER_URL,
  eventually,
  type QueueService,
  requireBroker,
  startQueueService,
  uniqueName,
} from "@portico/test-support";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadGatewayConfig } from "../config/gateway-config.js";
import { createRequestContext } from "../context.js";
import { createGateway, type Gateway } from "../gateway.js";
import { failure } from "../test-support/async.js";

/** What the fake shipping service quotes for every product. */
const OPTIONS = [{ method: "standard", cost: { amount: 499, currency: "USD" }, estimatedDays: 5 }];

describe("shipping over AMQP through a gateway (SHIPPING_TRANSPORT=amqp)", () => {
  const queue = uniqueName("shipping");
  const silentQueue = uniqueName("shipping-silent");
  let service: QueueService;
  const gateways: Gateway[] = [];

  const gatewayFor = (env: Record<string, string>) => {
    const config = loadGatewayConfig(
      {
        SHIPPING_TRANSPORT: "amqp",
        AMQP_URL: BROKER_URL,
        SHIPPING_TIMEOUT_MS: "300",
        BREAKER_MIN_REQUESTS: "1000",
        ...env,
      },
      { defaultPort: 0 },
    );
    const gateway = createGateway(config);
    gateways.push(gateway);
    return gateway;
  };
  const ctx = () => createRequestContext({ deadlineMs: 2000, requestId: "req-amqp-1" });

  beforeAll(async () => {
    await requireBroker();
    service = await startQueueService({
      queues: [queue],
      silentQueues: [silentQueue],
      answer: (request) => ({
        body: { options: OPTIONS, productId: (request as { productId: string }).productId },
      }),
    });
  });

  afterAll(async () => {
    await Promise.all(gateways.map((g) => g.close()));
    await service?.close();
  });

  async function untilConnected(gateway: Gateway): Promise<void> {
    await eventually(() => gateway.broker?.state === "connected", { what: "broker connected" });
    // The request/reply channel is set up right after the connection.
    await new Promise((resolve) => setTimeout(resolve, 200));
  }

  it("gets shipping quotes through the queue, validated like the HTTP answer", async () => {
    const gateway = gatewayFor({ AMQP_SHIPPING_QUEUE: queue });
    await untilConnected(gateway);
    const options = await gateway.shop.shippingQuotes(ctx(), "p1");
    expect(options).toEqual([
      { method: "standard", cost: { amount: 499, currency: "USD" }, estimatedDays: 5 },
    ]);
  });

  it("times out under the shipping timeout when nobody answers", async () => {
    const gateway = gatewayFor({ AMQP_SHIPPING_QUEUE: silentQueue });
    await untilConnected(gateway);
    const started = performance.now();
    const error = await failure(gateway.shop.shippingQuotes(ctx(), "p1"));
    const took = performance.now() - started;
    expect(error).toMatchObject({ code: "UPSTREAM_TIMEOUT" });
    expect(took).toBeGreaterThanOrEqual(290);
    expect(took).toBeLessThan(1000);
  });

  it("fails fast with a connection error when no queue serves shipping", async () => {
    const gateway = gatewayFor({ AMQP_SHIPPING_QUEUE: uniqueName("absent") });
    await untilConnected(gateway);
    const started = performance.now();
    const error = await failure(gateway.shop.shippingQuotes(ctx(), "p1"));
    expect(error).toMatchObject({ code: "UPSTREAM_CONNECTION" });
    expect(performance.now() - started).toBeLessThan(1000);
  });

  it("opens no broker connection when only AMQP_URL is set (shipping stays on HTTP)", () => {
    const gateway = gatewayFor({ SHIPPING_TRANSPORT: "http" });
    expect(gateway.broker?.state).toBe("idle");
  });
});
