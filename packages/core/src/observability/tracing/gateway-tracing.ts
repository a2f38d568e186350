import type { Sampler, SpanExporter } from "@opentelemetry/sdk-trace-base";
import type { AttemptTracer } from "../../client/attempt-tracer.js";
import type { GrpcRouter } from "../../client/grpc-transport.js";
import type { TracingConfig } from "../../config/tracing-config.js";
import type { RequestTracer } from "../../http/request-tracer.js";
import { amqpProtocol, grpcProtocol, httpProtocol, OtelAttemptTracer } from "./attempt-spans.js";
import {
  type Otel,
  otelApi,
  otelCore,
  otelResources,
  otelTraceSdk,
  otlpJsonExporter,
  otlpProtobufExporter,
} from "./otel-sdk.js";
import { OtelRequestTracer } from "./request-spans.js";
import { ATTR } from "./semantic-attributes.js";

/** The transport a service is called over: it names the attempts' spans and their attributes. */
export type TracedTransport =
  | { readonly kind: "http" }
  | { readonly kind: "grpc"; readonly routes: GrpcRouter }
  | { readonly kind: "amqp" };

/**
 * A gateway's tracing (`OTEL_EXPORTER_OTLP_ENDPOINT` set): the edge's
 * SERVER spans, each service client's CLIENT spans, and the exporter
 * behind them. Made only when tracing is on; a gateway without it
 * traces nothing and never loads the SDK.
 */
export interface GatewayTracing {
  /** The edge's: one SERVER span per client request. */
  readonly requests: RequestTracer;
  /** One service client's: one CLIENT span per attempt, named after its transport's conventions. */
  attempts(service: string, transport: TracedTransport): AttemptTracer;
  /** Exports every span ended so far. */
  forceFlush(): Promise<void>;
  /** Exports the spans still queued, then stops (the gateway's `close`, on SIGTERM). */
  shutdown(): Promise<void>;
}

export interface GatewayTracingOptions {
  /** Another exporter than OTLP/HTTP to `config.tracesUrl` (tests: the SDK's `InMemorySpanExporter`). */
  readonly exporter?: SpanExporter;
}

/**
 * Sets up the OpenTelemetry SDK from `config`: a tracer provider (no
 * global registration: the gateway passes its tracers explicitly) with the
 * service's resource and sampler, a batch span processor, and the OTLP/HTTP
 * exporter of the configured protocol (`http/protobuf` or `http/json`).
 * The exporter reads the variables it alone needs (`OTEL_EXPORTER_OTLP_HEADERS`,
 * `_TIMEOUT`, `_COMPRESSION`, certificates) from the process environment.
 */
export function createGatewayTracing(
  config: TracingConfig,
  options: GatewayTracingOptions = {},
): GatewayTracing {
  const api = otelApi();
  const sdk = otelTraceSdk();
  const resources = otelResources();
  const exporter =
    options.exporter ??
    (config.protocol === "http/json"
      ? new (otlpJsonExporter().OTLPTraceExporter)({ url: config.tracesUrl })
      : new (otlpProtobufExporter().OTLPTraceExporter)({ url: config.tracesUrl }));
  const provider = new sdk.BasicTracerProvider({
    resource: resources.defaultResource().merge(
      resources.resourceFromAttributes({
        ...config.resourceAttributes,
        [ATTR.SERVICE_NAME]: config.serviceName,
      }),
    ),
    sampler: samplerOf(config.sampler),
    spanProcessors: [new sdk.BatchSpanProcessor(exporter, config.batch)],
  });
  const otel: Otel = {
    api,
    tracer: provider.getTracer("@portico/core"),
    propagator: new (otelCore().W3CTraceContextPropagator)(),
  };
  return {
    requests: new OtelRequestTracer(otel),
    attempts(service, transport) {
      const protocol =
        transport.kind === "grpc"
          ? grpcProtocol(transport.routes)
          : transport.kind === "amqp"
            ? amqpProtocol()
            : httpProtocol(service);
      return new OtelAttemptTracer(otel, service, protocol);
    },
    forceFlush: () => provider.forceFlush(),
    shutdown: () => provider.shutdown(),
  };
}

/** `OTEL_TRACES_SAMPLER` as the SDK's sampler. */
function samplerOf({ name, ratio }: TracingConfig["sampler"]): Sampler {
  const sdk = otelTraceSdk();
  switch (name) {
    case "always_on":
      return new sdk.AlwaysOnSampler();
    case "always_off":
      return new sdk.AlwaysOffSampler();
    case "traceidratio":
      return new sdk.TraceIdRatioBasedSampler(ratio);
    case "parentbased_always_off":
      return new sdk.ParentBasedSampler({ root: new sdk.AlwaysOffSampler() });
    case "parentbased_traceidratio":
      return new sdk.ParentBasedSampler({ root: new sdk.TraceIdRatioBasedSampler(ratio) });
    case "parentbased_always_on":
      return new sdk.ParentBasedSampler({ root: new sdk.AlwaysOnSampler() });
  }
}
