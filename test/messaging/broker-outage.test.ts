import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import {
  BROKER_URL,
  brokerAddress,
  brokerReachable,
  brokerUrlVia,
  deleteBrokerNames,
  eventually,
  uniqueBrokerNames,
} from "../support/broker.js";
import { type DemoShop, type RunningBff, startBff, startDemoShop } from "../support/processes.js";
import { startTcpProxy, type TcpProxy } from "../support/tcp-proxy.js";
import { changeStock, type LiveClient, openLive } from "./live-support.js";

const reachable = await brokerReachable();

interface ProductDetails {
  shipping: unknown[];
  degraded: Record<string, string>;
}

async function details(bff: RunningBff, id = "p1") {
  const started = performance.now();
  const response = await fetch(`${bff.url}/productdetails/${id}`);
  return {
    status: response.status,
    body: (await response.json()) as ProductDetails,
    ms: performance.now() - started,
  };
}

/** Waits until shipping comes back over the broker (the breaker may need its open period first). */
const shippingRecovers = (bff: RunningBff) =>
  eventually(async () => (await details(bff)).body.degraded.shipping === undefined, 20_000, "shipping back");

describe.skipIf(!reachable)("a broker outage, cut and restored through a TCP proxy", () => {
  const names = uniqueBrokerNames();
  let shop: DemoShop;
  let proxy: TcpProxy;
  let mobile: RunningBff;
  let web: RunningBff;
  const clients: LiveClient[] = [];

  beforeAll(async () => {
    // The demo shop talks to the broker directly; only the BFFs go through the proxy.
    shop = await startDemoShop({ AMQP_URL: BROKER_URL, SHIPPING_TRANSPORT: "amqp", ...names.env });
    proxy = await startTcpProxy(brokerAddress());
    const bffEnv = {
      ...shop.env,
      ...names.env,
      AMQP_URL: brokerUrlVia(proxy.address),
      SHIPPING_TRANSPORT: "amqp",
      SHIPPING_TIMEOUT_MS: "500",
      BREAKER_OPEN_MS: "1000",
    };
    [mobile, web] = await Promise.all([startBff("mobile-bff", bffEnv), startBff("web-bff", bffEnv)]);
    await shippingRecovers(mobile);
  });

  afterEach(() => proxy.restore());

  afterAll(async () => {
    for (const client of clients) client.close();
    await Promise.all([mobile?.stop(), web?.stop()]);
    await proxy?.close();
    await shop?.stop();
    await deleteBrokerNames({ queues: [names.queue], exchanges: [names.exchange] });
  });

  it("keeps answering with shipping empty while the broker is gone, and recovers both sides after", async () => {
    const live = await openLive(web.url, "p3");
    clients.push(live);
    await live.next((m) => m.type === "status" && m.live === true, 10_000);
    expect((await details(mobile)).body.degraded).toEqual({});

    proxy.cut("reset");

    // The live socket stays open and is told events are paused.
    await live.next((m) => m.type === "status" && m.live === false, 10_000);
    // Every request still answers, fast, with shipping degraded.
    for (let i = 0; i < 15; i++) {
      const { status, body, ms } = await details(mobile, `p${(i % 5) + 1}`);
      expect(status).toBe(200);
      expect(body.shipping).toEqual([]);
      expect(body.degraded).toEqual({ shipping: "empty" });
      expect(ms).toBeLessThan(1500);
    }
    const page = await fetch(`${web.url}/api/product-page/p1`);
    expect(page.status).toBe(200);
    expect(((await page.json()) as ProductDetails).degraded).toMatchObject({ shipping: "empty" });
    // New live sockets are still accepted (and told the state).
    const during = await openLive(web.url, "p3");
    clients.push(during);
    await during.next((m) => m.type === "status" && m.live === false);

    proxy.restore();

    // The request/reply client reconnects and shipping comes back over AMQP.
    await shippingRecovers(mobile);
    // The relay re-subscribes: both sockets, never closed, get events again.
    await live.next((m) => m.type === "status" && m.live === true && m !== live.messages[0], 20_000);
    await during.next((m) => m.type === "status" && m.live === true, 20_000);
    await changeStock(shop.control, "p3", 17);
    await live.next((m) => m.type === "inventory" && m.available === 17);
    await during.next((m) => m.type === "inventory" && m.available === 17);
    expect(mobile.child.exitCode).toBeNull();
    expect(web.child.exitCode).toBeNull();
  }, 60_000);

  it("survives a black-holed link (no reset, just silence): heartbeats notice, then it recovers", async () => {
    const live = await openLive(web.url, "p4");
    clients.push(live);
    await live.next((m) => m.type === "status" && m.live === true, 10_000);

    proxy.cut("blackhole");

    // Requests never wait longer than shipping's timeout for the silent broker.
    for (let i = 0; i < 3; i++) {
      const { status, body, ms } = await details(mobile, "p2");
      expect(status).toBe(200);
      expect(body.degraded).toEqual({ shipping: "empty" });
      expect(ms).toBeLessThan(1500);
    }
    // AMQP heartbeats (5 s) declare the link dead after about two missed beats.
    await live.next((m) => m.type === "status" && m.live === false, 20_000);

    proxy.restore();
    await shippingRecovers(mobile);
    await live.next((m) => m.type === "status" && m.live === true && live.messages.indexOf(m) > 1, 20_000);
    await changeStock(shop.control, "p4", 8);
    await live.next((m) => m.type === "inventory" && m.available === 8);
  }, 60_000);
});

describe.skipIf(!reachable)("a broker that is down when the BFFs start", () => {
  const names = uniqueBrokerNames();
  let shop: DemoShop;
  let proxy: TcpProxy;
  let mobile: RunningBff;
  let web: RunningBff;
  let live: LiveClient | undefined;

  beforeAll(async () => {
    shop = await startDemoShop({ AMQP_URL: BROKER_URL, SHIPPING_TRANSPORT: "amqp", ...names.env });
    proxy = await startTcpProxy(brokerAddress());
    proxy.cut("reset");
    const bffEnv = {
      ...shop.env,
      ...names.env,
      AMQP_URL: brokerUrlVia(proxy.address),
      SHIPPING_TRANSPORT: "amqp",
      BREAKER_OPEN_MS: "1000",
    };
    [mobile, web] = await Promise.all([startBff("mobile-bff", bffEnv), startBff("web-bff", bffEnv)]);
  });

  afterAll(async () => {
    live?.close();
    await Promise.all([mobile?.stop(), web?.stop()]);
    await proxy?.close();
    await shop?.stop();
    await deleteBrokerNames({ queues: [names.queue], exchanges: [names.exchange] });
  });

  it("starts, serves everything but shipping, and catches up once the broker is there", async () => {
    const { status, body, ms } = await details(mobile);
    expect(status).toBe(200);
    expect(body.degraded).toEqual({ shipping: "empty" });
    expect(ms).toBeLessThan(1000);
    live = await openLive(web.url, "p5");
    await live.next((m) => m.type === "status" && m.live === false);

    proxy.restore();

    await shippingRecovers(mobile);
    const socket = live;
    await socket.next((m) => m.type === "status" && m.live === true, 20_000);
    await changeStock(shop.control, "p5", 3);
    expect(await socket.next((m) => m.type === "inventory")).toMatchObject({ productId: "p5", available: 3 });
  }, 60_000);
});
