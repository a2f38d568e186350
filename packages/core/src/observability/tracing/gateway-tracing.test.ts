import { SpanKind, SpanStatusCode } from "@opentelemetry/api";
import { InMemorySpanExporter, type ReadableSpan } from "@opentelemetry/sdk-trace-base";
import { type FakeShop, listenOnLoopback, startFakeShop, startFakeUpstream } from "@portico/test-support";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { composition } from "../../compose/plan.js";
import { loadGatewayConfig } from "../../config/gateway-config.js";
import { SERVICE_NAMES } from "../../config/services.js";
import { createRequestContext } from "../../context.js";
import { createGateway, type Gateway } from "../../gateway.js";
import { json } from "../../http/answer.js";
import { createGatewayApp } from "../../http/gateway-app.js";
import { shopParts } from "../../services/shop-parts.js";
import { createGatewayTracing, type GatewayTracing } from "./gateway-tracing.js";

// A BFF in-process, its spans in the SDK's in-memory exporter, over a fake
// shop that records the traceparent each attempt sent.

const CLIENT_TRACE = "4bf92f3577b34da6a3ce929d0e0e4736";
const CLIENT_SPAN = "00f067aa0ba902b7";
const TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-01$/;

/** A BFF in-process with one composite route, `/things/:id`, its spans in memory. */
interface TracedBff {
  readonly url: string;
  readonly exporter: InMemorySpanExporter;
  readonly tracing: GatewayTracing;
  readonly gateway: Gateway;
  close(): Promise<void>;
}

async function startTracedBff(env: Record<string, string>): Promise<TracedBff> {
  const config = loadGatewayConfig(
    {
      ...Object.fromEntries(
        SERVICE_NAMES.map((service) => [`${service.toUpperCase()}_URL`, shop.upstream.url]),
      ),
      BREAKER_MIN_REQUESTS: "1000",
      OTEL_EXPORTER_OTLP_ENDPOINT: "http://127.0.0.1:1",
      ...env,
    },
    { defaultPort: 0, appName: "test-bff" },
  );
  const exporter = new InMemorySpanExporter();
  const tracing = createGatewayTracing(config.tracing ?? expect.fail("tracing is on"), { exporter });
  const gateway: Gateway = createGateway(config, { tracing });
  const parts = shopParts(gateway);
  const plan = composition<{ productId: string; customerId: string | undefined }>()
    .part("product", parts.product)
    .part("reviews", parts.reviews)
    .part("stock", { ...parts.inventory, degradedAs: "availability" })
    // Anonymous callers: skipped, so no span.
    .part("cart", parts.cart);
  const app = createGatewayApp({ requestDeadlineMs: 2000, gateway });
  app.routes({
    "/things/:id": {
      get: async (exchange) => {
        const { values, degraded } = await plan.run(exchange.ctx, {
          productId: exchange.params.id ?? "",
          customerId: undefined,
        });
        return json({ ...values, degraded });
      },
    },
  });
  const server = await listenOnLoopback(app.finish());
  return {
    url: server.url,
    exporter,
    tracing,
    gateway,
    async close() {
      await server.close();
      await gateway.close();
      await tracing.shutdown();
    },
  };
}

let shop: FakeShop;
let bff: TracedBff;

beforeAll(async () => {
  shop = await startFakeShop();
  bff = await startTracedBff({});
});

afterAll(async () => {
  await bff?.close();
  await shop?.close();
});

afterEach(() => {
  shop.reset();
  shop.upstream.requests.length = 0;
  bff.exporter.reset();
});

async function get(path: string, traceparent = `00-${CLIENT_TRACE}-${CLIENT_SPAN}-01`, on = bff) {
  const response = await fetch(`${on.url}${path}`, { headers: { traceparent } });
  const body = (await response.json()) as Record<string, unknown>;
  // The SERVER span ends on 'close', just after the answer is out.
  await new Promise((resolve) => setTimeout(resolve, 20));
  await on.tracing.forceFlush();
  return { status: response.status, body, spans: on.exporter.getFinishedSpans() };
}

const idOf = (span: ReadableSpan) => span.spanContext().spanId;
const parentOf = (span: ReadableSpan) => span.parentSpanContext?.spanId;
const ofKind = (spans: readonly ReadableSpan[], kind: SpanKind) => spans.filter((span) => span.kind === kind);

/** The parent-id of the traceparent each upstream request carried, by path. */
function upstreamParents(
  requests = shop.upstream.requests,
): { path: string; traceId: string; parentId: string }[] {
  return requests.map((request) => {
    const match = TRACEPARENT.exec(String(request.headers.traceparent));
    expect(match, `${request.url} got ${String(request.headers.traceparent)}`).not.toBeNull();
    return { path: request.url, traceId: match?.[1] ?? "", parentId: match?.[2] ?? "" };
  });
}

describe("tracing a composite request (in-process, in-memory exporter)", () => {
  it("one SERVER span continuing the client's trace, a span per part, a CLIENT span per attempt under it", async () => {
    shop.failing.add("reviews");
    const { status, body, spans } = await get("/things/p1");
    expect(status).toBe(200);
    expect(body.degraded).toEqual({ reviews: "empty" });

    for (const span of spans) expect(span.spanContext().traceId).toBe(CLIENT_TRACE);
    const [server, ...others] = ofKind(spans, SpanKind.SERVER);
    expect(others).toEqual([]);
    expect(server).toBeDefined();
    if (server === undefined) return;
    expect(parentOf(server)).toBe(CLIENT_SPAN);
    expect(server.name).toBe("GET /things/:id");
    expect(server.attributes).toMatchObject({
      "http.request.method": "GET",
      "http.route": "/things/:id",
      "http.response.status_code": 200,
      "url.path": "/things/p1",
      "url.scheme": "http",
    });
    expect(server.status.code).toBe(SpanStatusCode.UNSET);
    expect(server.resource.attributes["service.name"]).toBe("test-bff");

    const parts = ofKind(spans, SpanKind.INTERNAL);
    // Not the cart: an anonymous caller's cart part is skipped.
    expect(parts.map((span) => span.name).sort()).toEqual(["part product", "part reviews", "part stock"]);
    for (const part of parts) expect(parentOf(part)).toBe(idOf(server));
    const partNamed = (name: string) => parts.find((span) => span.name === `part ${name}`);
    expect(partNamed("reviews")?.attributes).toEqual({
      "portico.part": "reviews",
      "portico.degraded": "empty",
      "portico.fallback.cause": "UPSTREAM_STATUS",
    });
    expect(partNamed("product")?.attributes).toEqual({ "portico.part": "product" });
    // The part's name in the `degraded` marker, the one the client sees.
    expect(partNamed("stock")?.attributes).toEqual({ "portico.part": "availability" });

    // Every attempt is a CLIENT span under its part, and its id is the parent-id the upstream received.
    const clients = ofKind(spans, SpanKind.CLIENT);
    const received = upstreamParents();
    expect(received.length).toBe(clients.length);
    expect(new Set(received.map(({ parentId }) => parentId))).toEqual(new Set(clients.map(idOf)));
    for (const { traceId } of received) expect(traceId).toBe(CLIENT_TRACE);
    for (const client of clients) {
      const part = parts.find((span) => idOf(span) === parentOf(client));
      expect(part, client.name).toBeDefined();
      expect(client.attributes["portico.part"]).toBe(part?.attributes["portico.part"]);
    }
    const catalog = clients.find((span) => span.attributes["peer.service"] === "catalog");
    expect(catalog?.name).toBe("GET catalog");
    expect(catalog?.attributes).toMatchObject({
      "http.request.method": "GET",
      "http.response.status_code": 200,
      "server.address": "127.0.0.1",
      "server.port": shop.upstream.port,
      "url.full": `${shop.upstream.url}/products/p1`,
    });
    expect(catalog?.status.code).toBe(SpanStatusCode.UNSET);
    const reviews = clients.find((span) => span.attributes["peer.service"] === "reviews");
    expect(reviews?.status.code).toBe(SpanStatusCode.ERROR);
    expect(reviews?.attributes).toMatchObject({ "http.response.status_code": 500, "error.type": "500" });
  });

  it("a 404 is an answer, not an error; a 5xx answer's SERVER span is an ERROR", async () => {
    const missing = await get("/things/p999");
    expect(missing.status).toBe(404);
    const lookup = ofKind(missing.spans, SpanKind.CLIENT).find(
      (s) => s.attributes["peer.service"] === "catalog",
    );
    expect(lookup?.attributes["http.response.status_code"]).toBe(404);
    expect(lookup?.status.code).toBe(SpanStatusCode.UNSET);
    expect(ofKind(missing.spans, SpanKind.SERVER)[0]?.status.code).toBe(SpanStatusCode.UNSET);
    bff.exporter.reset();

    shop.failing.add("catalog");
    const failed = await get("/things/p1");
    expect(failed.status).toBe(502);
    const [server] = ofKind(failed.spans, SpanKind.SERVER);
    expect(server?.status.code).toBe(SpanStatusCode.ERROR);
    expect(server?.attributes).toMatchObject({ "http.response.status_code": 502, "error.type": "502" });
    const product = ofKind(failed.spans, SpanKind.INTERNAL).find((span) => span.name === "part product");
    expect(product?.status.code).toBe(SpanStatusCode.ERROR);
    expect(product?.attributes["error.type"]).toBe("UPSTREAM_STATUS");
  });

  it("each retry is a CLIENT span of its own, and sends its own parent-id", async () => {
    const unavailable = await startFakeUpstream((_req, res) => {
      res.writeHead(503).end();
    });
    const retrying = await startTracedBff({ REVIEWS_URL: unavailable.url });
    try {
      const { body, spans } = await get("/things/p1", undefined, retrying);
      expect(body.degraded).toEqual({ reviews: "empty" });
      const reviews = ofKind(spans, SpanKind.CLIENT).filter(
        (span) => span.attributes["peer.service"] === "reviews",
      );
      // Retried on 503, up to three attempts (resilience.md).
      expect(reviews.length).toBe(3);
      const sent = upstreamParents(unavailable.requests);
      expect(sent.map(({ parentId }) => parentId).sort()).toEqual(reviews.map(idOf).sort());
      const part = ofKind(spans, SpanKind.INTERNAL).find((span) => span.name === "part reviews");
      for (const attempt of reviews) {
        expect(parentOf(attempt)).toBe(part && idOf(part));
        expect(attempt.attributes).toMatchObject({ "http.response.status_code": 503, "error.type": "503" });
      }
    } finally {
      await retrying.close();
      await unavailable.close();
    }
  });

  it("a write and a pass-through stream get CLIENT spans too, under a context the edge did not make", async () => {
    const ctx = createRequestContext({
      deadlineMs: 2000,
      traceparent: `00-${CLIENT_TRACE}-${CLIENT_SPAN}-01`,
    });
    await bff.gateway.clients.cart.send(ctx, "PUT", "/carts/c1/items/p1", {
      body: { quantity: 2 },
      schema: z.unknown(),
    });
    const stream = await bff.gateway.clients.reviews.stream(ctx, "/reviews", { query: { productId: "p1" } });
    stream.body.resume();
    await bff.tracing.forceFlush();
    const [write, read, ...others] = bff.exporter.getFinishedSpans();
    expect(others).toEqual([]);
    expect(write?.name).toBe("PUT cart");
    expect(write?.attributes).toMatchObject({
      "http.request.method": "PUT",
      "http.response.status_code": 200,
    });
    expect(read?.name).toBe("GET reviews");
    expect(read?.attributes).toMatchObject({ "url.full": `${shop.upstream.url}/reviews?productId=p1` });
    const sent = upstreamParents();
    expect(sent.map(({ parentId }) => parentId)).toEqual([write, read].map((span) => span && idOf(span)));
    for (const span of [write, read]) {
      expect(span?.spanContext().traceId).toBe(CLIENT_TRACE);
      // The context's own span (never exported without the edge) is their parent.
      expect(span && parentOf(span)).toBe(ctx.trace.spanId);
    }
  });

  it("starts a new trace when the client's traceparent is malformed; ops routes get no span", async () => {
    const { spans } = await get("/things/p1", "00-not-a-trace-01");
    const [server] = ofKind(spans, SpanKind.SERVER);
    expect(server?.parentSpanContext).toBeUndefined();
    const traceId = server?.spanContext().traceId;
    expect(traceId).toMatch(/^[0-9a-f]{32}$/);
    for (const { traceId: sent } of upstreamParents()) expect(sent).toBe(traceId);
    bff.exporter.reset();

    for (const path of ["/healthz", "/readyz", "/metrics"]) {
      await fetch(`${bff.url}${path}`).then((response) => response.arrayBuffer());
    }
    await bff.tracing.forceFlush();
    expect(bff.exporter.getFinishedSpans()).toEqual([]);
  });
});
