import { randomUUID } from "node:crypto";
import { BROKER_URL, requireBroker, uniqueName } from "@portico/test-support";
import amqp, { type Channel, type ChannelModel, type ConsumeMessage } from "amqplib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type DemoServices, startDemoServices } from "../start-demo-services.js";
import { postJson, sendJson } from "../test-support/http.js";

describe("the demo shop on RabbitMQ", () => {
  const queue = uniqueName("demo-shipping");
  const exchange = uniqueName("demo-events");
  let demo: DemoServices;
  let client: ChannelModel;
  let channel: Channel;
  const replies = new Map<string, (message: ConsumeMessage) => void>();
  const events: Array<{ key: string; body: unknown }> = [];

  beforeAll(async () => {
    await requireBroker();
    demo = await startDemoServices({
      amqp: { url: BROKER_URL, shippingConsumer: true, shippingQueue: queue, eventsExchange: exchange },
    });
    client = await amqp.connect(BROKER_URL);
    channel = await client.createChannel();
    await channel.consume(
      "amq.rabbitmq.reply-to",
      (message) => {
        if (message) replies.get(message.properties.correlationId as string)?.(message);
      },
      { noAck: true },
    );
    const { queue: mine } = await channel.assertQueue("", { exclusive: true });
    await channel.bindQueue(mine, exchange, "#");
    await channel.consume(
      mine,
      (message) => {
        if (message)
          events.push({ key: message.fields.routingKey, body: JSON.parse(message.content.toString()) });
      },
      { noAck: true },
    );
  });

  afterAll(async () => {
    await demo?.close();
    await channel?.deleteExchange(exchange).catch(() => {});
    await client?.close();
  });

  /** Sends a shipping request; resolves with the reply, or undefined after `ms`. */
  function ask(body: unknown, ms = 1500): Promise<{ status: unknown; body: string } | undefined> {
    const correlationId = randomUUID();
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        replies.delete(correlationId);
        resolve(undefined);
      }, ms);
      replies.set(correlationId, (message) => {
        clearTimeout(timer);
        replies.delete(correlationId);
        resolve({ status: message.properties.headers?.status, body: message.content.toString() });
      });
      channel.sendToQueue(queue, Buffer.from(JSON.stringify(body)), {
        correlationId,
        replyTo: "amq.rabbitmq.reply-to",
        headers: { "x-request-id": "demo-amqp-1" },
      });
    });
  }

  it("answers shipping requests on its queue exactly like the HTTP service", async () => {
    const http = await (await fetch(`${demo.url("shipping")}/quotes?productId=p1`)).json();
    const reply = await ask({ productId: "p1" });
    expect(reply?.status).toBe(200);
    expect(JSON.parse(reply?.body ?? "")).toEqual(http);
    expect((await ask({ productId: "nope" }))?.status).toBe(404);
    const recorded = demo.requests("shipping").filter((r) => r.method === "AMQP");
    expect(recorded.at(-1)).toMatchObject({
      path: "/quotes",
      query: "productId=nope",
      requestId: "demo-amqp-1",
    });
  });

  it("applies the shipping service's faults to its queue", async () => {
    await demo.setFault("shipping", { mode: "error", status: 503 });
    expect((await ask({ productId: "p1" }))?.status).toBe(503);
    await demo.setFault("shipping", { mode: "hang" });
    expect(await ask({ productId: "p1" }, 400)).toBeUndefined();
    await demo.setFault("shipping", { mode: "delay", ms: 200 });
    const started = performance.now();
    expect((await ask({ productId: "p1" }))?.status).toBe(200);
    expect(performance.now() - started).toBeGreaterThanOrEqual(190);
    await demo.clearFault("shipping");
  });

  it("publishes inventory.changed and price.changed when the admin API changes data", async () => {
    await postJson(`${demo.controlUrl}/_admin/stock/p2`, { available: 42 });
    await postJson(`${demo.controlUrl}/_admin/prices/p2`, { amount: 1234 });
    const until = Date.now() + 3000;
    while (events.length < 2 && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
    expect(events).toEqual([
      { key: "inventory.changed", body: { productId: "p2", available: 42 } },
      { key: "price.changed", body: { productId: "p2", amount: 1234, currency: "USD" } },
    ]);
  });

  it("publishes inventory.changed and order.placed once an order is stored", async () => {
    const from = events.length;
    const body = { customerId: "c3", items: [{ productId: "p5", quantity: 2 }], shippingMethod: "standard" };
    const res = await sendJson<{ orderId: string; placedAt: string }>(
      `${demo.url("orders")}/orders`,
      "POST",
      body,
      {
        "idempotency-key": "amqp-order-1",
      },
    );
    expect(res.status).toBe(201);
    const until = Date.now() + 3000;
    while (events.length < from + 2 && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
    expect(events.slice(from)).toEqual([
      { key: "inventory.changed", body: { productId: "p5", available: 15 } },
      {
        key: "order.placed",
        body: { orderId: res.body.orderId, customerId: "c3", placedAt: res.body.placedAt },
      },
    ]);
    // A replay stores nothing, so it announces nothing.
    await sendJson(`${demo.url("orders")}/orders`, "POST", body, { "idempotency-key": "amqp-order-1" });
    await new Promise((r) => setTimeout(r, 200));
    expect(events).toHaveLength(from + 2);
  });
});
