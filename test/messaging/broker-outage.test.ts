import {
  BROKER_URL,
  brokerAddress,
  brokerUrlVia,
  deleteBrokerNames,
  eventually,
  requireBroker,
  startTcpProxy,
  type TcpProxy,
  uniqueBrokerNames,
} from "@portico/test-support";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { RunningBff } from "../support/processes.js";
import { useStack } from "../support/stack.js";
import { changeStock, type LiveClient, openLive } from "./live-support.js";

beforeAll(async () => {
  await requireBroker();
});

// The demo shop talks to the broker directly; only the BFFs go through a proxy, one per describe.
const outageProxy = await startTcpProxy(brokerAddress());
const downProxy = await startTcpProxy(brokerAddress());
await downProxy.setMode("reset");
afterAll(() => Promise.all([outageProxy.close(), downProxy.close()]));

/**
 * The demo shop on the broker (test-run queue and exchange names) and
 * mobile-bff and web-bff reaching the broker through `proxy`; the names
 * are deleted once the stack stopped.
 */
function useStackBehind(proxy: TcpProxy, bffEnv: Record<string, string>) {
  const names = uniqueBrokerNames();
  afterAll(() => deleteBrokerNames({ queues: [names.queue], exchanges: [names.exchange] }));
  return useStack({
    shopEnv: { AMQP_URL: BROKER_URL, SHIPPING_TRANSPORT: "amqp", ...names.env },
    bffEnv: { ...names.env, AMQP_URL: brokerUrlVia(proxy.port), SHIPPING_TRANSPORT: "amqp", ...bffEnv },
    bffs: { mobile: { app: "mobile-bff" }, web: { app: "web-bff" } },
  });
}

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
  eventually(async () => (await details(bff)).body.degraded.shipping === undefined, {
    timeoutMs: 20_000,
    intervalMs: 50,
    what: "shipping back",
  });

describe("a broker outage, cut and restored through a TCP proxy", () => {
  const proxy = outageProxy;
  const stack = useStackBehind(proxy, { SHIPPING_TIMEOUT_MS: "500", BREAKER_OPEN_MS: "1000" });
  const clients: LiveClient[] = [];

  beforeAll(async () => {
    await shippingRecovers(stack.bffs.mobile);
  });

  afterEach(() => proxy.setMode("forward"));

  afterAll(() => {
    for (const client of clients) client.close();
  });

  it("keeps answering with shipping empty while the broker is gone, and recovers both sides after", async () => {
    const live = await openLive(stack.bffs.web.url, "p3");
    clients.push(live);
    await live.next((m) => m.type === "status" && m.live === true, 10_000);
    expect((await details(stack.bffs.mobile)).body.degraded).toEqual({});

    await proxy.setMode("reset");

    // The live socket stays open and is told events are paused.
    await live.next((m) => m.type === "status" && m.live === false, 10_000);
    // Every request still answers, fast, with shipping degraded.
    for (let i = 0; i < 15; i++) {
      const { status, body, ms } = await details(stack.bffs.mobile, `p${(i % 5) + 1}`);
      expect(status).toBe(200);
      expect(body.shipping).toEqual([]);
      expect(body.degraded).toEqual({ shipping: "empty" });
      expect(ms).toBeLessThan(1500);
    }
    const page = await fetch(`${stack.bffs.web.url}/api/product-page/p1`);
    expect(page.status).toBe(200);
    expect(((await page.json()) as ProductDetails).degraded).toMatchObject({ shipping: "empty" });
    // New live sockets are still accepted (and told the state).
    const during = await openLive(stack.bffs.web.url, "p3");
    clients.push(during);
    await during.next((m) => m.type === "status" && m.live === false);

    await proxy.setMode("forward");

    // The request/reply client reconnects and shipping comes back over AMQP.
    await shippingRecovers(stack.bffs.mobile);
    // The relay re-subscribes: both sockets, never closed, get events again.
    await live.next((m) => m.type === "status" && m.live === true && m !== live.messages[0], 20_000);
    await during.next((m) => m.type === "status" && m.live === true, 20_000);
    await changeStock(stack.shop.control, "p3", 17);
    await live.next((m) => m.type === "inventory" && m.available === 17);
    await during.next((m) => m.type === "inventory" && m.available === 17);
    expect(stack.bffs.mobile.child.exitCode).toBeNull();
    expect(stack.bffs.web.child.exitCode).toBeNull();
  }, 60_000);

  it("survives a black-holed link (no reset, just silence): heartbeats notice, then it recovers", async () => {
    const live = await openLive(stack.bffs.web.url, "p4");
    clients.push(live);
    await live.next((m) => m.type === "status" && m.live === true, 10_000);

    await proxy.setMode("blackhole");

    // Requests never wait longer than shipping's timeout for the silent broker.
    for (let i = 0; i < 3; i++) {
      const { status, body, ms } = await details(stack.bffs.mobile, "p2");
      expect(status).toBe(200);
      expect(body.degraded).toEqual({ shipping: "empty" });
      expect(ms).toBeLessThan(1500);
    }
    // AMQP heartbeats (5 s) declare the link dead after about two missed beats.
    await live.next((m) => m.type === "status" && m.live === false, 20_000);

    await proxy.setMode("forward");
    await shippingRecovers(stack.bffs.mobile);
    await live.next((m) => m.type === "status" && m.live === true && live.messages.indexOf(m) > 1, 20_000);
    await changeStock(stack.shop.control, "p4", 8);
    await live.next((m) => m.type === "inventory" && m.available === 8);
  }, 60_000);
});

describe("a broker that is down when the BFFs start", () => {
  const proxy = downProxy;
  const stack = useStackBehind(proxy, { BREAKER_OPEN_MS: "1000" });
  let live: LiveClient | undefined;

  afterAll(() => {
    live?.close();
  });

  it("starts, serves everything but shipping, and catches up once the broker is there", async () => {
    const { status, body, ms } = await details(stack.bffs.mobile);
    expect(status).toBe(200);
    expect(body.degraded).toEqual({ shipping: "empty" });
    expect(ms).toBeLessThan(1000);
    live = await openLive(stack.bffs.web.url, "p5");
    await live.next((m) => m.type === "status" && m.live === false);

    await proxy.setMode("forward");

    await shippingRecovers(stack.bffs.mobile);
    const socket = live;
    await socket.next((m) => m.type === "status" && m.live === true, 20_000);
    await changeStock(stack.shop.control, "p5", 3);
    expect(await socket.next((m) => m.type === "inventory")).toMatchObject({ productId: "p5", available: 3 });
  }, 60_000);
});
