import { request } from "node:http";
import { BROKER_URL, deleteBrokerNames, requireBroker, uniqueBrokerNames } from "@portico/test-support";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { expectProblem } from "../support/problem.js";
import { startBff } from "../support/processes.js";
import { useStack } from "../support/stack.js";
import { changePrice, changeStock, type LiveClient, openLive, refusalOf } from "./live-support.js";

describe("web-bff /live without a broker (AMQP_URL unset)", () => {
  const stack = useStack({ app: "web-bff" });

  it("refuses the upgrade with a 503 problem saying live updates are off", async () => {
    const refusal = await refusalOf(openLive(stack.bff.url, "p1", { "x-request-id": "live-off-1" }));
    expect(refusal.status).toBe(503);
    expect(refusal.headers["content-type"]).toBe("application/problem+json");
    expect(refusal.headers["x-request-id"]).toBe("live-off-1");
    expect(JSON.parse(refusal.body)).toMatchObject({
      status: 503,
      title: "Live updates are off",
      code: "LIVE_UPDATES_OFF",
      instance: "/live",
      requestId: "live-off-1",
    });
  });

  it("answers a plain GET with the same 503 problem", async () => {
    const response = await fetch(`${stack.bff.url}/live?productId=p1`);
    await expectProblem(response, 503);
  });

  it("keeps serving the product page", async () => {
    const response = await fetch(`${stack.bff.url}/api/product-page/p1`);
    expect(response.status).toBe(200);
  });

  it("serves a request asking for another protocol (curl --http2's Upgrade: h2c) as plain HTTP/1.1", async () => {
    const { port } = new URL(stack.bff.url);
    const answer = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = request({
        host: "127.0.0.1",
        port,
        path: "/api/product-page/p1",
        headers: {
          connection: "Upgrade, HTTP2-Settings",
          upgrade: "h2c",
          "http2-settings": "AAMAAABkAAQCAAAAAAIAAAAA",
        },
      });
      req.on("response", (res) => {
        let body = "";
        res.on("data", (chunk: Buffer) => {
          body += chunk.toString();
        });
        res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
      });
      req.on("error", reject);
      req.end();
    });
    expect(answer.status).toBe(200);
    expect((JSON.parse(answer.body) as { product: { id: string } }).product.id).toBe("p1");
  });
});

describe("web-bff /live with the broker", () => {
  const names = uniqueBrokerNames();
  const env = { AMQP_URL: BROKER_URL, ...names.env };
  const clients: LiveClient[] = [];

  const watch = async (productId: string) => {
    const client = await openLive(stack.bff.url, productId);
    clients.push(client);
    return client;
  };

  beforeAll(async () => {
    await requireBroker();
  });
  // Registered before the stack: runs once it stopped.
  afterAll(async () => {
    await deleteBrokerNames({ exchanges: [names.exchange] });
  });
  const stack = useStack({ app: "web-bff", shopEnv: env, bffEnv: { ...env, LOW_STOCK_THRESHOLD: "5" } });
  afterAll(() => {
    for (const client of clients) client.close();
  });

  it("says on joining whether events are flowing", async () => {
    const client = await watch("p1");
    await client.next((m) => m.type === "status" && m.live === true, 10_000);
  });

  it("pushes an inventory event within 1 s of the stock change", async () => {
    const client = await watch("p2");
    await client.next((m) => m.type === "status" && m.live === true, 10_000);
    const changed = performance.now();
    await changeStock(stack.shop.control, "p2", 4);
    const event = await client.next((m) => m.type === "inventory");
    expect(event).toMatchObject({ type: "inventory", productId: "p2", available: 4, lowStock: true });
    expect((event.receivedAt as number) - changed).toBeLessThan(1000);
  });

  it("pushes price events, and only to sockets watching that product", async () => {
    const p6 = await watch("p6");
    const p7 = await watch("p7");
    await p6.next((m) => m.type === "status" && m.live === true, 10_000);
    await p7.next((m) => m.type === "status" && m.live === true, 10_000);
    await changePrice(stack.shop.control, "p6", 2222);
    await changeStock(stack.shop.control, "p6", 50);
    expect(await p6.next((m) => m.type === "price")).toMatchObject({
      type: "price",
      productId: "p6",
      amount: 2222,
      currency: "USD",
    });
    expect(await p6.next((m) => m.type === "inventory")).toMatchObject({ available: 50, lowStock: false });
    await changeStock(stack.shop.control, "p7", 1);
    await p7.next((m) => m.type === "inventory");
    expect(p7.messages.filter((m) => m.type !== "status").map((m) => m.productId)).toEqual(["p7"]);
    expect(p6.messages.some((m) => m.productId === "p7")).toBe(false);
  });

  it("fans one event out to many sockets of the same product", async () => {
    const many = await Promise.all(Array.from({ length: 25 }, () => watch("p8")));
    await Promise.all(many.map((c) => c.next((m) => m.type === "status", 10_000)));
    await changeStock(stack.shop.control, "p8", 12);
    const events = await Promise.all(many.map((c) => c.next((m) => m.type === "inventory")));
    expect(events.every((e) => e.available === 12)).toBe(true);
  });

  it("refuses a bad or missing productId with 400 before upgrading", async () => {
    for (const query of ["..%2Fp1", "a%20b", "x".repeat(65)]) {
      const refusal = await refusalOf(openLive(stack.bff.url, decodeURIComponent(query)));
      expect(refusal.status).toBe(400);
      expect(JSON.parse(refusal.body)).toMatchObject({
        status: 400,
        code: "INVALID_INPUT",
        instance: "/live",
      });
    }
    const response = await fetch(`${stack.bff.url}/live`);
    await expectProblem(response, 400);
    const twice = await fetch(`${stack.bff.url}/live?productId=p1&productId=p2`);
    await expectProblem(twice, 400);
  });

  it("answers a plain GET (no upgrade) with a 400 problem naming what is needed", async () => {
    const response = await fetch(`${stack.bff.url}/live?productId=p1`);
    const problem = await expectProblem(response, 400);
    expect(problem.detail).toMatch(/WebSocket/);
  });

  it("closes its sockets with 1001 going away on SIGTERM, and exits 0", async () => {
    const own = await startBff("web-bff", { ...stack.shop.env, AMQP_URL: BROKER_URL, ...names.env });
    const client = await openLive(own.url, "p9");
    const closed = new Promise<number>((resolve) => client.ws.once("close", (code) => resolve(code)));
    const started = performance.now();
    expect(await own.stop("SIGTERM")).toBe(0);
    expect(await closed).toBe(1001);
    expect(performance.now() - started).toBeLessThan(5000);
  });

  it("answers another method with 405", async () => {
    const response = await fetch(`${stack.bff.url}/live?productId=p1`, { method: "POST" });
    expect(response.status).toBe(405);
  });
});
