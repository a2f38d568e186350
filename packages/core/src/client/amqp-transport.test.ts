import amqp, { type Channel, type ChannelModel } from "amqplib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadGatewayConfig } from "../config/gateway-config.js";
import { createRequestContext } from "../context.js";
import { isGatewayError } from "../errors/index.js";
import { createGateway, type Gateway } from "../gateway.js";
import { BrokerError } from "../messaging/messaging-errors.js";
import type { BrokerReply, BrokerRequest } from "../messaging/request-reply-client.js";
import { BROKER_URL, brokerReachable, uniqueName } from "../test-support/broker.js";
import { AmqpTransport, type BrokerRequester, queueBalancer } from "./amqp-transport.js";
import type { TransportRequest } from "./transport.js";

/** A requester that records requests and answers with what the test scripts. */
function fakeRequester(answer: (request: BrokerRequest) => Promise<BrokerReply>) {
  const seen: BrokerRequest[] = [];
  const requester: BrokerRequester & { seen: BrokerRequest[] } = {
    seen,
    request(request) {
      seen.push(request);
      return answer(request);
    },
    close: async () => {},
  };
  return requester;
}

const reply = (body: string, headers: Record<string, unknown> = {}): Promise<BrokerReply> =>
  Promise.resolve({ content: Buffer.from(body), headers });

const request = (overrides: Partial<TransportRequest> = {}): TransportRequest => ({
  service: "shipping",
  baseUrl: "amqp:shipping.quotes",
  path: "/quotes",
  query: { productId: "p1" },
  headers: { accept: "application/json", "x-request-id": "r-1", traceparent: "00-abc-def-01" },
  signal: new AbortController().signal,
  ...overrides,
});

async function failure(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error("expected a rejection");
}

describe("AmqpTransport", () => {
  it("sends the query as the JSON body to the path's queue, with request id and trace context", async () => {
    const client = fakeRequester(() => reply('{"options":[]}'));
    const transport = new AmqpTransport({ client, routes: { "/quotes": "q.quotes" }, messageTtlMs: 800 });
    const response = await transport.get(request());
    expect(response).toEqual({ status: 200, body: { options: [] } });
    const sent = client.seen[0] as BrokerRequest;
    expect(sent.queue).toBe("q.quotes");
    expect(JSON.parse(sent.content.toString())).toEqual({ productId: "p1" });
    expect(sent.headers).toEqual({ "x-request-id": "r-1", traceparent: "00-abc-def-01" });
    expect(sent.ttlMs).toBe(800);
  });

  it("plays the reply's status header as the HTTP status; no body for non-2xx", async () => {
    const transport = new AmqpTransport({
      client: fakeRequester(() => reply('{"error":"not_found"}', { status: 404 })),
      routes: { "/quotes": "q" },
    });
    expect(await transport.get(request())).toEqual({ status: 404, body: undefined });
    const numeric = new AmqpTransport({
      client: fakeRequester(() => reply("{}", { status: "503" })),
      routes: { "/quotes": "q" },
    });
    expect(await numeric.get(request())).toEqual({ status: 503, body: undefined });
  });

  it("calls bad JSON or a nonsense status a bad response", async () => {
    const malformed = new AmqpTransport({
      client: fakeRequester(() => reply("{nope")),
      routes: { "/quotes": "q" },
    });
    const error = await failure(malformed.get(request()));
    expect(isGatewayError(error) && error.code).toBe("UPSTREAM_BAD_RESPONSE");
    const weird = new AmqpTransport({
      client: fakeRequester(() => reply("{}", { status: "teapot" })),
      routes: { "/quotes": "q" },
    });
    expect(await failure(weird.get(request()))).toMatchObject({ code: "UPSTREAM_BAD_RESPONSE" });
  });

  it("turns a broker failure into a retryable connection error of the service", async () => {
    const transport = new AmqpTransport({
      client: fakeRequester(() => Promise.reject(new BrokerError("unavailable"))),
      routes: { "/quotes": "q" },
    });
    const error = await failure(transport.get(request()));
    expect(error).toMatchObject({ code: "UPSTREAM_CONNECTION", service: "shipping", beforeResponse: true });
  });

  it("is a client-closed error when the caller's signal aborted", async () => {
    const controller = new AbortController();
    const transport = new AmqpTransport({
      client: fakeRequester(
        (r) =>
          new Promise((_, reject) => {
            r.signal.addEventListener("abort", () => reject(r.signal.reason));
          }),
      ),
      routes: { "/quotes": "q" },
    });
    const pending = failure(transport.get(request({ signal: controller.signal })));
    controller.abort(new Error("timeout"));
    expect(await pending).toMatchObject({ code: "CLIENT_CLOSED" });
  });

  it("refuses a path no queue serves, without sending anything", async () => {
    const client = fakeRequester(() => reply("{}"));
    const transport = new AmqpTransport({ client, routes: { "/quotes": "q" } });
    expect(await failure(transport.get(request({ path: "/other" })))).toMatchObject({ code: "INTERNAL" });
    expect(client.seen).toHaveLength(0);
  });

  it("names its instance by the queue, never by the broker URL", () => {
    expect(queueBalancer("shipping.quotes").pick()).toEqual({
      id: "amqp:shipping.quotes",
      url: "amqp:shipping.quotes",
    });
  });
});

const reachable = await brokerReachable();

describe.skipIf(!reachable)("shipping over AMQP through a gateway (SHIPPING_TRANSPORT=amqp)", () => {
  const queue = uniqueName("shipping");
  const silentQueue = uniqueName("shipping-silent");
  let service: ChannelModel;
  let channel: Channel;
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
    service = await amqp.connect(BROKER_URL);
    channel = await service.createChannel();
    await channel.assertQueue(queue, { durable: false, autoDelete: true });
    await channel.assertQueue(silentQueue, { durable: false, autoDelete: true });
    await channel.consume(silentQueue, () => {}, { noAck: true });
    await channel.consume(
      queue,
      (message) => {
        if (message === null) return;
        const { productId } = JSON.parse(message.content.toString()) as { productId: string };
        const body = {
          options: [{ method: "standard", cost: { amount: 499, currency: "USD" }, estimatedDays: 5 }],
          productId,
        };
        channel.sendToQueue(message.properties.replyTo as string, Buffer.from(JSON.stringify(body)), {
          correlationId: message.properties.correlationId as string,
        });
      },
      { noAck: true },
    );
  });

  afterAll(async () => {
    await Promise.all(gateways.map((g) => g.close()));
    await service?.close();
  });

  async function untilConnected(gateway: Gateway): Promise<void> {
    const until = Date.now() + 5000;
    while (gateway.broker?.state !== "connected") {
      if (Date.now() > until) throw new Error("broker not connected");
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
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
