import { eventually, rawRequest } from "@portico/test-support";
import { afterEach, describe, expect, it } from "vitest";
import { loadGatewayConfig } from "../config/gateway-config.js";
import { createGateway, type Gateway } from "../gateway.js";
import { GatewayObservability } from "../observability/gateway-observability.js";
import { deferred } from "../test-support/async.js";
import { type EdgeTestServer, serveEdge } from "../test-support/edge-server.js";
import { json } from "./answer.js";
import { createGatewayApp } from "./gateway-app.js";
import { loadShedding } from "./load-shedding.js";

let edge: EdgeTestServer | undefined;
let gateway: Gateway | undefined;

afterEach(async () => {
  await edge?.close();
  await gateway?.close();
  edge = undefined;
  gateway = undefined;
});

/**
 * An app whose `/slow` requests hang until `release()`; the shedder is the
 * real one in createGatewayApp, and `/readyz` and `/metrics` are the real
 * ops routes of a gateway (no upstream is called).
 */
async function serveHanging(maxInflight: number) {
  let gate = deferred();
  gateway = createGateway(loadGatewayConfig({}, { defaultPort: 0 }), {
    observability: new GatewayObservability({ processMetrics: false }),
  });
  const { routes, finish, load } = createGatewayApp({
    requestDeadlineMs: 10_000,
    edge: { maxInflight, maxEventLoopLagMs: 0 },
    gateway,
  });
  routes({
    "/slow": {
      get: async () => {
        await gate.promise;
        return json({ ok: true });
      },
    },
  });
  edge = await serveEdge(finish());
  return {
    url: edge.url,
    load,
    release() {
      gate.resolve();
      gate = deferred();
    },
  };
}

describe("loadShedding", () => {
  it("answers a fast 503 problem with Retry-After once MAX_INFLIGHT requests are in progress", async () => {
    const app = await serveHanging(3);
    const held = Array.from({ length: 3 }, () => fetch(`${app.url}/slow`));
    await eventually(() => app.load.inflight === 3, 2_000);

    const started = performance.now();
    const shed = await fetch(`${app.url}/slow`);
    expect(performance.now() - started).toBeLessThan(500);
    expect(shed.status).toBe(503);
    expect(shed.headers.get("retry-after")).toBe("1");
    expect(shed.headers.get("content-type")).toMatch(/^application\/problem\+json/);
    expect(shed.headers.get("x-content-type-options")).toBe("nosniff");
    expect(await shed.json()).toMatchObject({
      status: 503,
      code: "OVERLOADED",
      requestId: shed.headers.get("x-request-id"),
    });
    expect(app.load.shed).toBe(1);

    app.release();
    expect((await Promise.all(held)).map((r) => r.status)).toEqual([200, 200, 200]);
    await eventually(() => app.load.inflight === 0, 2_000);
    expect((await fetch(`${app.url}/unknown`)).status).toBe(404);
  });

  it("keeps answering /healthz, /readyz and /metrics while shedding, without counting them", async () => {
    const app = await serveHanging(1);
    const held = fetch(`${app.url}/slow`);
    await eventually(() => app.load.inflight === 1, 2_000);
    expect((await fetch(`${app.url}/slow`)).status).toBe(503);
    for (const path of ["/healthz", "/readyz", "/metrics"]) {
      expect((await fetch(`${app.url}${path}`)).status).toBe(200);
    }
    expect(app.load.inflight).toBe(1);
    app.release();
    await held;
  });

  it("gives the slot back when the client goes away before the answer", async () => {
    const app = await serveHanging(1);
    const port = Number(new URL(app.url).port);
    await rawRequest(port, "GET /slow HTTP/1.1\r\nHost: x\r\n\r\n", { waitMs: 100 });
    await eventually(() => app.load.inflight === 0, 2_000);
    const next = fetch(`${app.url}/slow`);
    await eventually(() => app.load.inflight === 1, 2_000);
    app.release();
    expect((await next).status).toBe(200);
  });

  // The edge builds its shedder from EdgeOptions, which take no lag monitor: the lag
  // rule is checked on the shedder itself (the edge answers its refusal 503, as above).
  it("sheds while the event loop lags beyond the bound, and not when the check is off", () => {
    const lagging = {
      lagMs: 800,
      touched: 0,
      touch() {
        this.touched++;
      },
    };
    const shedder = loadShedding({ maxEventLoopLagMs: 500, lag: lagging });
    expect(shedder.tryEnter()).toBe(false);
    expect(shedder.inflight).toBe(0);
    expect(shedder.shed).toBe(1);
    expect(lagging.touched).toBe(1);

    const off = loadShedding({ maxEventLoopLagMs: 0, lag: lagging });
    expect(off.tryEnter()).toBe(true);
    expect(off.inflight).toBe(1);
    expect(off.shed).toBe(0);
    expect(lagging.touched).toBe(1);
    off.leave();
    expect(off.inflight).toBe(0);

    lagging.lagMs = 100;
    const calm = loadShedding({ maxEventLoopLagMs: 500, lag: lagging });
    expect(calm.tryEnter()).toBe(true);
    expect(calm.shed).toBe(0);
  });
});
