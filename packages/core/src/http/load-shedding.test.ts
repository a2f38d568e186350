import { eventually, rawRequest } from "@portico/test-support";
import express, { type Request, type Response } from "express";
import { afterEach, describe, expect, it } from "vitest";
import { deferred } from "../test-support/async.js";
import { type EdgeTestServer, serveEdge } from "../test-support/edge-server.js";
import { requestContext } from "./context-middleware.js";
import { createGatewayApp } from "./gateway-app.js";
import { type LoadShedder, loadShedding } from "./load-shedding.js";
import { problemHandler } from "./problem.js";
import { mountRoutes } from "./routes.js";

let edge: EdgeTestServer | undefined;

afterEach(async () => {
  await edge?.close();
  edge = undefined;
});

/** An app whose `/slow` requests hang until `release()`; the shedder is the real one in createGatewayApp. */
async function serveHanging(maxInflight: number) {
  let gate = deferred();
  const { app, finish, load } = createGatewayApp({
    requestDeadlineMs: 10_000,
    edge: { maxInflight, maxEventLoopLagMs: 0 },
  });
  mountRoutes(app, {
    "/slow": {
      get: async (_req: Request, res: Response) => {
        await gate.promise;
        res.json({ ok: true });
      },
    },
    "/readyz": { get: (_req: Request, res: Response) => void res.json({ ready: true }) },
    "/metrics": { get: (_req: Request, res: Response) => void res.type("text/plain").send("up 1\n") },
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

  it("sheds while the event loop lags beyond the bound, and not when the check is off", async () => {
    const lagging = { lagMs: 800, touch() {} };
    const served = (shedder: LoadShedder) => {
      const app = express();
      app.use(requestContext({ deadlineMs: 1_000 }));
      app.use(shedder.middleware);
      app.get("/x", (_req, res) => {
        res.json({ ok: true });
      });
      app.use(problemHandler());
      return serveEdge(app);
    };
    edge = await served(loadShedding({ maxEventLoopLagMs: 500, lag: lagging }));
    const response = await fetch(`${edge.url}/x`);
    expect(response.status).toBe(503);
    expect(response.headers.get("retry-after")).toBe("1");
    expect((await fetch(`${edge.url}/healthz`)).status).not.toBe(503);
    await edge.close();

    edge = await served(loadShedding({ maxEventLoopLagMs: 0, lag: lagging }));
    expect((await fetch(`${edge.url}/x`)).status).toBe(200);
    await edge.close();

    lagging.lagMs = 100;
    edge = await served(loadShedding({ maxEventLoopLagMs: 500, lag: lagging }));
    expect((await fetch(`${edge.url}/x`)).status).toBe(200);
  });
});
