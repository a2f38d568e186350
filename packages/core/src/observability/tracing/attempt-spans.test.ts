import { SpanKind, SpanStatusCode } from "@opentelemetry/api";
import { InMemorySpanExporter, type ReadableSpan } from "@opentelemetry/sdk-trace-base";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { queueInstance } from "../../client/amqp-transport.js";
import type { AttemptSpan } from "../../client/attempt-tracer.js";
import { inventoryGrpcRoutes } from "../../client/inventory-grpc.js";
import { loadTracingConfig } from "../../config/tracing-config.js";
import { continueTrace } from "../../context.js";
import {
  UpstreamConnectionError,
  UpstreamNotFoundError,
  UpstreamStatusError,
  UpstreamTimeoutError,
} from "../../errors/index.js";
import { createGatewayTracing } from "./gateway-tracing.js";

// The CLIENT spans of the gRPC and AMQP transports, as the service client
// drives them (start, answered, end), over the SDK's in-memory exporter.

const exporter = new InMemorySpanExporter();
const tracing = createGatewayTracing(
  loadTracingConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: "http://127.0.0.1:1" }, "test-bff") ??
    expect.fail("tracing is on"),
  { exporter },
);
const grpc = tracing.attempts("inventory", { kind: "grpc", routes: inventoryGrpcRoutes() });
const amqp = tracing.attempts("shipping", { kind: "amqp" });
const GRPC_INSTANCE = { id: "127.0.0.1:7204", url: "127.0.0.1:7204" };
const HEADERS = { "x-request-id": "r1", traceparent: "00-to-be-replaced" };

afterEach(() => exporter.reset());
afterAll(() => tracing.shutdown());

/** Runs one attempt's span to its end and returns it as exported. */
async function finished(run: () => AttemptSpan, answer?: object, error?: unknown): Promise<ReadableSpan> {
  const span = run();
  if (answer !== undefined) span.answered(answer as { status: number; body: unknown });
  span.end(error);
  await tracing.forceFlush();
  const [exported, ...others] = exporter.getFinishedSpans();
  expect(others).toEqual([]);
  return exported ?? expect.fail("no span exported");
}

describe("gRPC attempts", () => {
  const trace = continueTrace("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01");
  const getStock = () => grpc.start(trace, "GET", GRPC_INSTANCE, "/stock/p1", undefined, HEADERS);

  it("name the RPC and carry rpc.* and server.*, under the trace they are given", async () => {
    let sent: Readonly<Record<string, string>> = {};
    const span = await finished(
      () => {
        const attempt = getStock();
        sent = attempt.headers;
        return attempt;
      },
      { status: 200, body: { productId: "p1", available: 3 }, grpcStatus: 0 },
    );
    expect(span.kind).toBe(SpanKind.CLIENT);
    expect(span.name).toBe("portico.shop.v1.Inventory/GetStock");
    expect(span.attributes).toEqual({
      "rpc.system": "grpc",
      "rpc.service": "portico.shop.v1.Inventory",
      "rpc.method": "GetStock",
      "rpc.grpc.status_code": 0,
      "server.address": "127.0.0.1",
      "server.port": 7204,
      "peer.service": "inventory",
    });
    expect(span.status.code).toBe(SpanStatusCode.UNSET);
    expect(span.spanContext().traceId).toBe(trace.traceId);
    expect(span.parentSpanContext?.spanId).toBe(trace.spanId);
    // The metadata the call sends: this span as the parent, the other headers as they were.
    expect(sent).toEqual({
      "x-request-id": "r1",
      traceparent: `00-${trace.traceId}-${span.spanContext().spanId}-01`,
    });
  });

  it("a batch is BatchGetStock", async () => {
    const span = await finished(() =>
      grpc.start(trace, "GET", GRPC_INSTANCE, "/stock", { ids: "p1,p2" }, HEADERS),
    );
    expect(span.attributes["rpc.method"]).toBe("BatchGetStock");
  });

  it("NOT_FOUND is an answer (status unset); INTERNAL is an error, with the status the service sent", async () => {
    const missing = await finished(
      getStock,
      { status: 404, body: undefined, grpcStatus: 5 },
      new UpstreamNotFoundError("inventory"),
    );
    expect(missing.attributes["rpc.grpc.status_code"]).toBe(5);
    expect(missing.status.code).toBe(SpanStatusCode.UNSET);
    exporter.reset();

    const internal = await finished(
      getStock,
      { status: 500, body: undefined, grpcStatus: 13 },
      new UpstreamStatusError("inventory", 500),
    );
    expect(internal.attributes).toMatchObject({
      "rpc.grpc.status_code": 13,
      "error.type": "UPSTREAM_STATUS",
    });
    expect(internal.status.code).toBe(SpanStatusCode.ERROR);
  });

  it("without an answer, the status the call ended with: UNAVAILABLE, DEADLINE_EXCEEDED", async () => {
    const refused = await finished(
      getStock,
      undefined,
      new UpstreamConnectionError("inventory", true, { code: 14 }, true),
    );
    expect(refused.attributes).toMatchObject({
      "rpc.grpc.status_code": 14,
      "error.type": "UPSTREAM_CONNECTION",
    });
    expect(refused.status).toEqual({
      code: SpanStatusCode.ERROR,
      message: "The inventory service could not be reached",
    });
    exporter.reset();

    const late = await finished(getStock, undefined, new UpstreamTimeoutError("inventory", 400));
    expect(late.attributes).toMatchObject({ "rpc.grpc.status_code": 4, "error.type": "UPSTREAM_TIMEOUT" });
  });
});

describe("AMQP attempts", () => {
  it("are `send {queue}` with messaging.* attributes, and send their own traceparent", async () => {
    const trace = continueTrace(undefined);
    let sent: Readonly<Record<string, string>> = {};
    const span = await finished(
      () => {
        const attempt = amqp.start(
          trace,
          "GET",
          queueInstance("shipping.quotes"),
          "/quotes",
          { productId: "p1" },
          HEADERS,
        );
        sent = attempt.headers;
        return attempt;
      },
      { status: 200, body: { options: [] } },
    );
    expect(span.name).toBe("send shipping.quotes");
    expect(span.attributes).toEqual({
      "messaging.system": "rabbitmq",
      "messaging.operation.type": "send",
      "messaging.operation.name": "send",
      "messaging.destination.name": "shipping.quotes",
      "messaging.rabbitmq.destination.routing_key": "shipping.quotes",
      "peer.service": "shipping",
    });
    expect(sent.traceparent).toBe(`00-${trace.traceId}-${span.spanContext().spanId}-01`);
  });
});
