import { lazyRequire } from "../../lazy-require.js";

// The OpenTelemetry SDK, required the first time tracing is set up: a BFF
// without OTEL_EXPORTER_OTLP_ENDPOINT never loads it (lazy-require.int.test.ts).

export const otelApi = lazyRequire<typeof import("@opentelemetry/api")>("@opentelemetry/api");
export const otelCore = lazyRequire<typeof import("@opentelemetry/core")>("@opentelemetry/core");
export const otelResources =
  lazyRequire<typeof import("@opentelemetry/resources")>("@opentelemetry/resources");
export const otelTraceSdk = lazyRequire<typeof import("@opentelemetry/sdk-trace-base")>(
  "@opentelemetry/sdk-trace-base",
);
export const otlpProtobufExporter = lazyRequire<typeof import("@opentelemetry/exporter-trace-otlp-proto")>(
  "@opentelemetry/exporter-trace-otlp-proto",
);
export const otlpJsonExporter = lazyRequire<typeof import("@opentelemetry/exporter-trace-otlp-http")>(
  "@opentelemetry/exporter-trace-otlp-http",
);

/** What spans are made with, once the SDK is loaded: the API, the tracer and the W3C propagator. */
export interface Otel {
  readonly api: typeof import("@opentelemetry/api");
  readonly tracer: import("@opentelemetry/api").Tracer;
  /** The SDK's W3C `traceparent`/`tracestate` propagator: extracts at the edge, injects per attempt. */
  readonly propagator: import("@opentelemetry/core").W3CTraceContextPropagator;
}
