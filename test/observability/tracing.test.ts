import { randomBytes } from "node:crypto";
import {
  BROKER_URL,
  deleteBrokerNames,
  eventually,
  requireBroker,
  uniqueBrokerNames,
} from "@portico/test-support";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { type OtlpReceiver, type ReceivedSpan, startOtlpReceiver } from "../support/otlp-receiver.js";
import {
  clearFaults,
  injectFault,
  type RunningBff,
  recordedRequests,
  startBff,
} from "../support/processes.js";
import { type Stack, startStack } from "../support/stack.js";

// OpenTelemetry spans of real BFF processes, received by an OTLP/HTTP
// collector in this test process: a composite over HTTP, gRPC (inventory)
// and AMQP (shipping) at once, with a degraded part (contract 2.5).

const SERVER = 2;
const CLIENT = 3;
const INTERNAL = 1;
const ERROR = 2;
const TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-01$/;

const names = uniqueBrokerNames();
const transports = {
  INVENTORY_TRANSPORT: "grpc",
  SHIPPING_TRANSPORT: "amqp",
  AMQP_URL: BROKER_URL,
  ...names.env,
};

let stack: Stack<"traced" | "untraced">;
let receiver: OtlpReceiver;

/** A fresh client trace: its traceparent, and the ids in it. */
function clientTrace() {
  const traceId = randomBytes(16).toString("hex");
  const spanId = randomBytes(8).toString("hex");
  return { traceId, spanId, traceparent: `00-${traceId}-${spanId}-01` };
}

async function details(bff: RunningBff, traceparent: string, requestId: string, id = "p1") {
  const response = await fetch(`${bff.url}/productdetails/${id}`, {
    headers: { traceparent, "x-request-id": requestId },
  });
  return { status: response.status, body: (await response.json()) as { degraded?: Record<string, string> } };
}

/** The spans of one trace, once its SERVER span (which ends last, with the answer) has arrived. */
async function traceOf(traceId: string): Promise<ReceivedSpan[]> {
  await eventually(() => receiver.spans().some((span) => span.traceId === traceId && span.kind === SERVER), {
    timeoutMs: 5_000,
    intervalMs: 25,
  });
  return receiver.spans().filter((span) => span.traceId === traceId);
}

beforeAll(async () => {
  await requireBroker();
  receiver = await startOtlpReceiver();
  stack = await startStack({
    shopEnv: transports,
    bffEnv: { ...transports, BREAKER_MIN_REQUESTS: "1000" },
    bffs: {
      traced: {
        app: "mobile-bff",
        env: {
          OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
          OTEL_EXPORTER_OTLP_PROTOCOL: "http/json",
          OTEL_BSP_SCHEDULE_DELAY: "50",
        },
      },
      untraced: { app: "mobile-bff" },
    },
  });
  // The BFF connects to the broker in the background: wait until shipping answers over it.
  await eventually(
    async () => {
      const { body } = await details(stack.bffs.traced, clientTrace().traceparent, "warm-up");
      return body.degraded !== undefined && Object.keys(body.degraded).length === 0;
    },
    { timeoutMs: 10_000, intervalMs: 100 },
  );
});

afterAll(async () => {
  await stack?.stop();
  await receiver?.close();
  await deleteBrokerNames({ queues: [names.queue], exchanges: [names.exchange] });
});

afterEach(async () => {
  if (stack !== undefined) await clearFaults(stack.shop);
});

describe("OpenTelemetry spans over OTLP/HTTP (OTEL_EXPORTER_OTLP_ENDPOINT)", () => {
  it("a composite with a degraded part: one SERVER span, a span per part, each attempt a CLIENT span whose id the upstream got", async () => {
    await injectFault(stack.shop, "reviews", { mode: "error", status: 500 });
    const client = clientTrace();
    const { status, body } = await details(stack.bffs.traced, client.traceparent, "otel-tree-1");
    expect(status).toBe(200);
    expect(body.degraded).toEqual({ reviews: "empty" });
    const spans = await traceOf(client.traceId);
    for (const span of spans) expect(span.service).toBe("mobile-bff");

    // One SERVER span, child of the client's.
    const servers = spans.filter((span) => span.kind === SERVER);
    expect(servers).toHaveLength(1);
    const [server] = servers;
    expect(server?.parentSpanId).toBe(client.spanId);
    expect(server?.name).toBe("GET /productdetails/:productId");
    expect(server?.attributes).toMatchObject({
      "http.request.method": "GET",
      "http.route": "/productdetails/:productId",
      "http.response.status_code": 200,
      "url.path": "/productdetails/p1",
      "portico.request_id": "otel-tree-1",
    });
    expect(server?.status.code).not.toBe(ERROR);

    // A span per part under it; the degraded one says so.
    const parts = spans.filter((span) => span.kind === INTERNAL);
    for (const part of parts) expect(part.parentSpanId).toBe(server?.spanId);
    const part = (name: string) => parts.find((span) => span.attributes["portico.part"] === name);
    expect(part("reviews")?.attributes).toMatchObject({
      "portico.degraded": "empty",
      "portico.fallback.cause": "UPSTREAM_STATUS",
    });
    for (const fresh of ["product", "price", "inventory", "shipping", "recommendations"]) {
      expect(part(fresh), fresh).toBeDefined();
      expect(part(fresh)?.attributes["portico.degraded"], fresh).toBeUndefined();
    }

    // Each attempt a CLIENT span under its part; its id is the parent-id the upstream received.
    const clients = spans.filter((span) => span.kind === CLIENT);
    for (const attempt of clients) {
      const parent = parts.find((span) => span.spanId === attempt.parentSpanId);
      expect(parent, attempt.name).toBeDefined();
      expect(attempt.attributes["portico.part"]).toBe(parent?.attributes["portico.part"]);
    }
    const received = (await recordedRequests(stack.shop)).filter((r) => r.requestId === "otel-tree-1");
    expect(received.map((r) => r.service).sort()).toEqual(
      ["catalog", "inventory", "pricing", "recommendations", "reviews", "shipping"].sort(),
    );
    const parentIds = received.map((request) => {
      const match = TRACEPARENT.exec(request.traceparent ?? "");
      expect(match?.[1], request.service).toBe(client.traceId);
      return match?.[2];
    });
    expect(new Set(parentIds)).toEqual(new Set(clients.map((span) => span.spanId)));
    expect(clients).toHaveLength(received.length);

    // Each transport's conventions.
    const of = (service: string) => clients.find((span) => span.attributes["peer.service"] === service);
    expect(of("catalog")?.attributes).toMatchObject({
      "http.request.method": "GET",
      "http.response.status_code": 200,
      "server.address": "127.0.0.1",
      "portico.part": "product",
    });
    expect(of("reviews")?.status.code).toBe(ERROR);
    expect(of("reviews")?.attributes).toMatchObject({
      "http.response.status_code": 500,
      "error.type": "500",
    });
    expect(of("inventory")?.name).toBe("portico.shop.v1.Inventory/GetStock");
    expect(of("inventory")?.attributes).toMatchObject({
      "rpc.system": "grpc",
      "rpc.service": "portico.shop.v1.Inventory",
      "rpc.method": "GetStock",
      "rpc.grpc.status_code": 0,
      "portico.part": "inventory",
    });
    expect(of("shipping")?.name).toBe(`send ${names.queue}`);
    expect(of("shipping")?.attributes).toMatchObject({
      "messaging.system": "rabbitmq",
      "messaging.destination.name": names.queue,
      "portico.part": "shipping",
    });
  });

  it("a 5xx answer's SERVER span has status ERROR", async () => {
    await injectFault(stack.shop, "catalog", { mode: "error", status: 500 });
    const client = clientTrace();
    expect((await details(stack.bffs.traced, client.traceparent, "otel-502")).status).toBe(502);
    const [server] = (await traceOf(client.traceId)).filter((span) => span.kind === SERVER);
    expect(server?.status.code).toBe(ERROR);
    expect(server?.attributes["http.response.status_code"]).toBe(502);
  });

  it("the ops routes get no span", async () => {
    const ops = clientTrace();
    for (const path of ["/healthz", "/readyz", "/metrics", "/admin/status"]) {
      const response = await fetch(`${stack.bffs.traced.url}${path}`, {
        headers: { traceparent: ops.traceparent },
      });
      expect(response.status, path).toBe(200);
      await response.arrayBuffer();
    }
    // A traced request after them: once its spans are in, theirs would have been too.
    const after = clientTrace();
    await details(stack.bffs.traced, after.traceparent, "otel-after-ops");
    await traceOf(after.traceId);
    expect(receiver.spans().filter((span) => span.traceId === ops.traceId)).toEqual([]);
  });

  it("a BFF without the endpoint sends nothing, and still continues the client's trace", async () => {
    const before = receiver.exports.length;
    const client = clientTrace();
    await details(stack.bffs.untraced, client.traceparent, "otel-untraced");
    const received = (await recordedRequests(stack.shop)).filter((r) => r.requestId === "otel-untraced");
    expect(received.length).toBeGreaterThan(0);
    for (const request of received)
      expect(TRACEPARENT.exec(request.traceparent ?? "")?.[1]).toBe(client.traceId);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(receiver.exports.slice(before).filter(({ body }) => body.includes(client.traceId))).toEqual([]);
  });
});

describe("export on shutdown, protobuf by default, OTEL_SDK_DISABLED", () => {
  it("spans still queued are exported on SIGTERM, as OTLP protobuf, named after the app", async () => {
    const own = await startOtlpReceiver();
    const bff = await startBff("mobile-bff", {
      ...stack.shop.env,
      OTEL_EXPORTER_OTLP_ENDPOINT: own.url,
      // Nothing would leave before ten minutes: only the shutdown's flush sends it.
      OTEL_BSP_SCHEDULE_DELAY: "600000",
    });
    try {
      const client = clientTrace();
      expect((await details(bff, client.traceparent, "otel-flush")).status).toBe(200);
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(own.exports).toEqual([]);
      expect(await bff.stop("SIGTERM")).toBe(0);
      expect(own.exports.length).toBeGreaterThan(0);
      for (const sent of own.exports) {
        expect(sent.path).toBe("/v1/traces");
        expect(sent.contentType).toBe("application/x-protobuf");
      }
      const body = Buffer.concat(own.exports.map(({ body }) => body));
      // Protobuf carries ids as raw bytes, and the resource's service.name as a string.
      expect(body.includes(Buffer.from(client.traceId, "hex"))).toBe(true);
      expect(body.includes(Buffer.from("mobile-bff"))).toBe(true);
    } finally {
      await bff.stop();
      await own.close();
    }
  });

  it("OTEL_SDK_DISABLED=true exports nothing, endpoint or not", async () => {
    const own = await startOtlpReceiver();
    const bff = await startBff("mobile-bff", {
      ...stack.shop.env,
      OTEL_EXPORTER_OTLP_ENDPOINT: own.url,
      OTEL_SDK_DISABLED: "true",
      OTEL_BSP_SCHEDULE_DELAY: "10",
    });
    try {
      expect((await details(bff, clientTrace().traceparent, "otel-disabled")).status).toBe(200);
      expect(await bff.stop("SIGTERM")).toBe(0);
      expect(own.exports).toEqual([]);
    } finally {
      await bff.stop();
      await own.close();
    }
  });
});
