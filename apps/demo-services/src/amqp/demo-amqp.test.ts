import { randomBytes, randomUUID } from "node:crypto";
import net from "node:net";
import amqp, { type Channel, type ChannelModel, type ConsumeMessage } from "amqplib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { seed } from "../seed/seed.js";
import { type DemoServices, startDemoServices } from "../start-demo-services.js";
import { createDemoStore } from "../store/demo-store.js";
import { postJson } from "../test-support/http.js";
import { answerQuote } from "./shipping-consumer.js";

const BROKER_URL = process.env.AMQP_URL ?? "amqp://guest:guest@127.0.0.1:5672";

/** Broker tests are skipped without a broker, unless PORTICO_REQUIRE_BROKER=1 (CI) makes them fail instead. */
async function brokerReachable(): Promise<boolean> {
  if (process.env.PORTICO_REQUIRE_BROKER === "1") return true;
  const url = new URL(BROKER_URL);
  return new Promise((resolve) => {
    const socket = net.connect({ host: url.hostname, port: Number(url.port || 5672) });
    socket.setTimeout(1000);
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.once("connect", () => done(true));
    socket.once("error", () => done(false));
    socket.once("timeout", () => done(false));
  });
}

const unique = (prefix: string) => `portico.test.demo-${prefix}.${randomBytes(6).toString("hex")}`;

describe("answerQuote", () => {
  const store = createDemoStore(seed);

  it("answers like GET /quotes?productId=", () => {
    const answer = answerQuote(store, Buffer.from('{"productId":"p1"}'));
    expect(answer.status).toBe(200);
    expect(JSON.parse(answer.body)).toEqual({ options: seed.shipping.p1 });
  });

  it("is 404 for an unknown product and 400 for a bad request", () => {
    expect(answerQuote(store, Buffer.from('{"productId":"nope"}')).status).toBe(404);
    expect(answerQuote(store, Buffer.from('{"productId":"../x"}')).status).toBe(400);
    expect(answerQuote(store, Buffer.from("{"))).toMatchObject({ status: 400 });
    expect(answerQuote(store, Buffer.from("null"))).toMatchObject({ status: 400 });
  });
});

const reachable = await brokerReachable();

describe.skipIf(!reachable)("the demo shop on RabbitMQ", () => {
  const queue = unique("shipping");
  const exchange = unique("events");
  let demo: DemoServices;
  let client: ChannelModel;
  let channel: Channel;
  const replies = new Map<string, (message: ConsumeMessage) => void>();
  const events: Array<{ key: string; body: unknown }> = [];

  beforeAll(async () => {
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
});

describe("the demo shop without a reachable broker", () => {
  it("starts anyway, serves HTTP, and stops cleanly", async () => {
    const server = net.createServer();
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const { port } = server.address() as net.AddressInfo;
    await new Promise<void>((resolve) => server.close(() => resolve()));
    const lines: string[] = [];
    const started = performance.now();
    const demo = await startDemoServices({
      amqp: {
        url: `amqp://guest:secret-pw@127.0.0.1:${port}`,
        shippingConsumer: true,
        shippingQueue: unique("down"),
        eventsExchange: unique("down"),
        log: (line) => lines.push(line),
      },
    });
    try {
      expect(performance.now() - started).toBeLessThan(4000);
      expect((await fetch(`${demo.url("shipping")}/quotes?productId=p1`)).status).toBe(200);
      expect(await postJson(`${demo.controlUrl}/_admin/stock/p1`, { available: 1 })).toMatchObject({
        status: 200,
      });
      expect(lines).toHaveLength(1);
      expect(JSON.parse(lines[0] ?? "")).toMatchObject({ level: "warn" });
      expect(lines[0]).not.toContain("secret-pw");
    } finally {
      await demo.close();
    }
  });
});
