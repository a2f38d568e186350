import type { IncomingMessage, ServerResponse } from "node:http";
import { closedPortUrl, type FakeUpstream, startFakeUpstream } from "@portico/test-support";
import type { NextFunction, Request, Response } from "express";
import { afterEach, describe, expect, it } from "vitest";
import { z } from "zod";
import { loadGatewayConfig } from "../config/gateway-config.js";
import { createGateway, type Gateway } from "../gateway.js";
import { GatewayObservability } from "../observability/gateway-observability.js";
import { createLogger } from "../observability/logger.js";
import { type EdgeTestServer, serveEdge } from "../test-support/edge-server.js";
import { fastPathOf, withFastPath } from "./fast-path.js";
import { createGatewayApp } from "./gateway-app.js";
import { idSchema } from "./input.js";
import { passThrough } from "./pass-through.js";
import { mountRoutes } from "./routes.js";

// The fast path must answer exactly as express does. Every case is asked
// twice: plainly (the fast path takes it) and with an `Origin` header (CORS
// is not configured here, so the header changes nothing but the path: the
// fast path leaves such a request to express). Express marks its answers with
// `X-Via: express`, so each case also proves which path answered.

const reviewsQuery = z.object({
  productId: idSchema,
  limit: z
    .string()
    .regex(/^\d{1,2}$/)
    .optional(),
});

interface Harness {
  readonly edge: EdgeTestServer;
  readonly gateway: Gateway;
  readonly upstream: FakeUpstream;
}

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function start(
  handler: (req: IncomingMessage, res: ServerResponse) => void,
  env: Record<string, string> = {},
  logLines: string[] = [],
): Promise<Harness> {
  const upstream = await startFakeUpstream(handler);
  const config = loadGatewayConfig(
    { REVIEWS_URL: upstream.url, BREAKER_MIN_REQUESTS: "1000", ...env },
    { defaultPort: 0 },
  );
  const logger = createLogger({
    level: "info",
    destination: { write: (line: string) => logLines.push(line) },
  });
  const gateway = createGateway(config, {
    observability: new GatewayObservability({ processMetrics: false, logger }),
  });
  const { app, finish } = createGatewayApp({ requestDeadlineMs: 2_000, edge: config, gateway });
  app.use((_req: Request, res: Response, next: NextFunction) => {
    res.setHeader("X-Via", "express");
    next();
  });
  mountRoutes(app, {
    "/reviews": {
      get: passThrough({ client: gateway.clients.reviews, path: "/reviews", query: reviewsQuery }),
    },
  });
  const edge = await serveEdge(withFastPath(finish()));
  cleanups.push(async () => {
    await edge.close();
    await gateway.close();
    await upstream.close();
  });
  return { edge, gateway, upstream };
}

interface Answer {
  readonly status: number;
  readonly headers: Record<string, string>;
  readonly body: string;
}

async function get(url: string, headers: Record<string, string> = {}): Promise<Answer> {
  const response = await fetch(url, { headers });
  const body = await response.text();
  return { status: response.status, headers: Object.fromEntries(response.headers), body };
}

/** The answer without what differs from one request to the next (timings, dates, connection handling). */
function comparable({ status, headers, body }: Answer): Answer {
  const {
    date: _date,
    "server-timing": timing,
    "keep-alive": _keepAlive,
    connection: _connection,
    ...rest
  } = headers;
  return {
    status,
    headers: {
      ...rest,
      ...(timing === undefined ? {} : { "server-timing": timing.replace(/dur=[\d.]+/g, "dur=") }),
    },
    body: body.replace(/"requestId":"[^"]*"/, '"requestId":""'),
  };
}

/** Asks `path` both ways; returns the fast answer after checking that express answers the same. */
async function bothWays(
  harness: Harness,
  path: string,
  headers: Record<string, string> = {},
): Promise<Answer> {
  const fast = await get(`${harness.edge.url}${path}`, { "x-request-id": "req-fast-1", ...headers });
  const viaExpress = await get(`${harness.edge.url}${path}`, {
    "x-request-id": "req-fast-1",
    origin: "https://elsewhere.example",
    ...headers,
  });
  expect(fast.headers["x-via"]).toBeUndefined();
  expect(viaExpress.headers["x-via"]).toBe("express");
  const { "x-via": _via, ...expressHeaders } = viaExpress.headers;
  expect(comparable(fast)).toEqual(comparable({ ...viaExpress, headers: expressHeaders }));
  return fast;
}

describe("the fast path of a pass-through route", () => {
  it("is registered by mountRoutes for a pass-through GET", async () => {
    const harness = await start((_req, res) => res.end("{}"));
    const { app } = createGatewayApp({ requestDeadlineMs: 1_000 });
    mountRoutes(app, {
      "/r": {
        get: passThrough({ client: harness.gateway.clients.reviews, path: "/reviews", query: reviewsQuery }),
      },
      "/r/:id": {
        get: passThrough({ client: harness.gateway.clients.reviews, path: "/reviews", query: reviewsQuery }),
      },
      "/plain": { get: (_req, res) => void res.end() },
    });
    // Only the parameterless pass-through: a path with parameters, or any other handler, stays with express.
    expect(fastPathOf(app)?.size).toBe(1);
  });

  it("relays a 200 with the same headers and body as express, edge headers winning over the upstream's", async () => {
    const harness = await start((req, res) => {
      res.writeHead(200, [
        "content-type",
        "application/json",
        "cache-control",
        "max-age=30",
        "x-multi",
        "one",
        "x-multi",
        "two",
        "set-cookie",
        "session=upstream",
        "server",
        "nginx",
        "x-internal-node",
        "reviews-3",
        "x-content-type-options",
        "none",
        "content-security-policy",
        "default-src *",
        "x-request-id",
        "upstream-id",
      ]);
      res.end(JSON.stringify({ url: req.url, items: [] }));
    });
    const answer = await bothWays(harness, "/reviews?productId=p1&limit=2&dropped=yes");
    expect(answer.status).toBe(200);
    expect(JSON.parse(answer.body)).toEqual({ url: "/reviews?productId=p1&limit=2", items: [] });
    expect(answer.headers["x-request-id"]).toBe("req-fast-1");
    expect(answer.headers["x-content-type-options"]).toBe("nosniff");
    expect(answer.headers["content-security-policy"]).toContain("default-src 'none'");
    expect(answer.headers["cache-control"]).toBe("max-age=30");
    expect(answer.headers["x-multi"]).toBe("one, two");
    for (const leak of ["set-cookie", "server", "x-internal-node"])
      expect(answer.headers[leak]).toBeUndefined();
    expect(answer.headers["server-timing"]).toMatch(/^reviews;dur=/);
    // The request id and the trace travel upstream.
    const seen = harness.upstream.requests[0];
    expect(seen?.headers["x-request-id"]).toBe("req-fast-1");
    expect(seen?.headers.traceparent).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
    expect(seen?.headers["x-forwarded-proto"]).toBe("http");
  });

  it("relays the upstream's 404 as it is", async () => {
    const harness = await start((_req, res) => {
      res.writeHead(404, { "content-type": "application/json" });
      res.end('{"error":"no such product"}');
    });
    const answer = await bothWays(harness, "/reviews?productId=p404");
    expect(answer.status).toBe(404);
    expect(answer.body).toBe('{"error":"no such product"}');
  });

  it("answers a failing upstream with the same problem+json as express", async () => {
    const harness = await start((_req, res) => {
      res.writeHead(500);
      res.end();
    });
    const answer = await bothWays(harness, "/reviews?productId=p1");
    expect(answer.status).toBe(502);
    expect(answer.headers["content-type"]).toBe("application/problem+json; charset=utf-8");
    expect(JSON.parse(answer.body)).toMatchObject({
      status: 502,
      requestId: "req-fast-1",
      instance: "/reviews",
    });
    expect(answer.headers["x-content-type-options"]).toBe("nosniff");
  });

  it("answers an unreachable upstream the same way", async () => {
    const harness = await start(() => {}, { REVIEWS_URL: await closedPortUrl() });
    const answer = await bothWays(harness, "/reviews?productId=p1");
    expect([502, 503]).toContain(answer.status);
    expect(JSON.parse(answer.body).code).toMatch(/^UPSTREAM_/);
    expect(harness.upstream.requests).toHaveLength(0);
  });

  it("leaves what it does not serve as is to express: bad query, HEAD, other methods, bodies", async () => {
    const harness = await start((_req, res) => {
      res.writeHead(200, { "content-type": "application/json" });
      res.end("{}");
    });
    const bad = await get(`${harness.edge.url}/reviews?productId=not%20an%20id`);
    expect(bad.status).toBe(400);
    expect(bad.headers["x-via"]).toBe("express");
    const head = await fetch(`${harness.edge.url}/reviews?productId=p1`, { method: "HEAD" });
    expect(head.headers.get("x-via")).toBe("express");
    const post = await fetch(`${harness.edge.url}/reviews?productId=p1`, { method: "POST", body: "x" });
    expect(post.status).toBe(405);
    const trailing = await get(`${harness.edge.url}/reviews/?productId=p1`);
    expect(trailing.headers["x-via"]).toBe("express");
    expect(harness.upstream.requests).toHaveLength(2);
  });

  it("counts, times and logs its requests like express", async () => {
    const logLines: string[] = [];
    const harness = await start(
      (_req, res) => {
        res.writeHead(200, { "content-type": "application/json" });
        res.end("{}");
      },
      {},
      logLines,
    );
    await get(`${harness.edge.url}/reviews?productId=p1`, { "x-request-id": "req-logged-1" });
    const logged = logLines
      .map((line) => JSON.parse(line))
      .find((entry) => entry.requestId === "req-logged-1");
    expect(logged).toMatchObject({
      msg: "request",
      method: "GET",
      route: "/reviews",
      path: "/reviews",
      status: 200,
    });
    expect(logged.serverTiming).toMatch(/^reviews;dur=/);
    await get(`${harness.edge.url}/reviews?productId=p2`);
    const metrics = await harness.gateway.observability.metrics.registry.metrics();
    const line = metrics
      .split("\n")
      .find(
        (l) =>
          l.startsWith("portico_http_requests_total{") &&
          l.includes('route="/reviews"') &&
          l.includes('status="200"'),
      );
    expect(line?.split(" ").at(-1)).toBe("2");
  });

  it("shares the load shedder's in-flight count with express", async () => {
    let release: () => void = () => {};
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    const harness = await start(
      (_req, res) => {
        void held.then(() => {
          res.writeHead(200, { "content-type": "application/json" });
          res.end("{}");
        });
      },
      { MAX_INFLIGHT: "1" },
    );
    const first = get(`${harness.edge.url}/reviews?productId=p1`);
    await expect.poll(() => harness.upstream.requests.length).toBe(1);
    const shed = await get(`${harness.edge.url}/reviews?productId=p2`);
    expect(shed.status).toBe(503);
    expect(shed.headers["retry-after"]).toBe("1");
    release();
    expect((await first).status).toBe(200);
    // The slot came back: the next one is served.
    expect((await get(`${harness.edge.url}/reviews?productId=p3`)).status).toBe(200);
  });

  it("aborts the upstream call when the client goes away", async () => {
    const harness = await start(() => {
      // Never answers.
    });
    const controller = new AbortController();
    const pending = fetch(`${harness.edge.url}/reviews?productId=p1`, { signal: controller.signal }).catch(
      (error: unknown) => error,
    );
    await expect.poll(() => harness.upstream.requests.length).toBe(1);
    controller.abort();
    await pending;
    await harness.upstream.requests[0]?.closedEarly;
    expect(harness.upstream.requests).toHaveLength(1);
  });
});
