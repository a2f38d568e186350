import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import {
  BROKER_URL,
  brokerAddress,
  brokerUrlVia,
  eventually,
  requireBroker,
  startTcpProxy,
  type TcpProxy,
  uniqueName,
} from "@portico/test-support";
import amqp, { type Channel, type ChannelModel } from "amqplib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { WebSocket } from "ws";
import { BrokerConnection } from "./broker-connection.js";
import { EventRelay } from "./event-relay.js";
import { parseShopEvent, SHOP_EVENT_KEYS } from "./shop-events.js";
import { SocketHub } from "./socket-hub.js";

describe("EventRelay against RabbitMQ", () => {
  const exchange = uniqueName("events");
  let publisher: ChannelModel;
  let channel: Channel;
  let proxy: TcpProxy;
  let broker: BrokerConnection;
  let hub: SocketHub;
  let relay: EventRelay;
  let server: Server;
  let url: string;

  beforeAll(async () => {
    await requireBroker();
    publisher = await amqp.connect(BROKER_URL);
    channel = await publisher.createChannel();
    await channel.assertExchange(exchange, "topic", { durable: true });
    proxy = await startTcpProxy(brokerAddress());
    broker = new BrokerConnection({ url: brokerUrlVia(proxy.port), heartbeatS: 1, backoff: { maxMs: 200 } });
    hub = new SocketHub();
    relay = new EventRelay({
      broker,
      hub,
      exchange,
      routingKeys: SHOP_EVENT_KEYS,
      route: (key, content) => {
        const parsed = parseShopEvent(key, content);
        return parsed && { topic: parsed.event.productId, message: { key, ...parsed.event } };
      },
    });
    server = createServer();
    server.on("upgrade", (req, socket, head) => {
      const topic = new URL(req.url ?? "/", "http://x").searchParams.get("t") ?? "";
      hub.accept(req, socket, head, topic, { greeting: relay.statusMessage() });
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    url = `ws://127.0.0.1:${(server.address() as AddressInfo).port}`;
    await eventually(() => relay.live);
  });

  afterAll(async () => {
    await relay?.close();
    await hub?.close(1001, "bye", 100);
    await broker?.close();
    await proxy?.close();
    server?.closeAllConnections();
    server?.close();
    await channel?.deleteExchange(exchange).catch(() => {});
    await publisher?.close();
  });

  async function watch(topic: string): Promise<{ ws: WebSocket; messages: Array<Record<string, unknown>> }> {
    const ws = new WebSocket(`${url}/?t=${topic}`);
    const messages: Array<Record<string, unknown>> = [];
    ws.on("message", (data) => messages.push(JSON.parse(String(data)) as Record<string, unknown>));
    await new Promise((resolve, reject) => {
      ws.once("open", resolve);
      ws.once("error", reject);
    });
    return { ws, messages };
  }

  const publish = (key: string, body: unknown) =>
    channel.publish(exchange, key, Buffer.from(typeof body === "string" ? body : JSON.stringify(body)));

  it("relays a product's events to the sockets watching it, and only those", async () => {
    const p1 = await watch("p1");
    const p2 = await watch("p2");
    await eventually(() => p1.messages.length === 1);
    expect(p1.messages[0]).toEqual({ type: "status", live: true });
    publish("inventory.changed", { productId: "p1", available: 7 });
    publish("price.changed", { productId: "p1", amount: 1500, currency: "USD" });
    await eventually(() => p1.messages.length === 3);
    expect(p1.messages.slice(1)).toEqual([
      { key: "inventory.changed", productId: "p1", available: 7 },
      { key: "price.changed", productId: "p1", amount: 1500, currency: "USD" },
    ]);
    expect(p2.messages).toHaveLength(1);
    p1.ws.close();
    p2.ws.close();
  });

  it("drops events that are not the contract's (bad JSON, wrong shape, unknown key)", async () => {
    const p3 = await watch("p3");
    const before = relay.stats().rejected;
    publish("inventory.changed", "{nope");
    publish("inventory.changed", { productId: "p3", available: "many" });
    publish("price.changed", { productId: "../p3", amount: 1, currency: "USD" });
    publish("inventory.changed", { productId: "p3", available: 1 });
    await eventually(() => p3.messages.length === 2);
    expect(p3.messages[1]).toEqual({ key: "inventory.changed", productId: "p3", available: 1 });
    expect(relay.stats().rejected - before).toBe(3);
    p3.ws.close();
  });

  it("tells sockets when the broker is lost and back, and relays again after reconnecting", async () => {
    const p4 = await watch("p4");
    await proxy.setMode("reset");
    await eventually(() => p4.messages.some((m) => m.type === "status" && m.live === false));
    expect(relay.live).toBe(false);
    await proxy.setMode("forward");
    await eventually(() => relay.live, 10_000);
    await eventually(() => p4.messages.at(-1)?.live === true);
    publish("inventory.changed", { productId: "p4", available: 4 });
    await eventually(() => p4.messages.some((m) => m.key === "inventory.changed"));
    expect(p4.ws.readyState).toBe(WebSocket.OPEN);
    p4.ws.close();
  });
});
