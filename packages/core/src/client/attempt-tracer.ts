import type { TraceContext } from "../context.js";
import type { ServiceInstance } from "../discovery/service-registry.js";
import type { StreamResponse, TransportResponse } from "./transport.js";

/**
 * Opens a CLIENT span per upstream attempt, when spans are exported
 * (`OTEL_EXPORTER_OTLP_ENDPOINT`). A service client has one, made for its
 * transport (HTTP, gRPC, AMQP: each names its spans and attributes after
 * its own semantic conventions), or none: then nothing is traced and the
 * call's headers carry `traceparentOf(ctx.trace)` as they are.
 */
export interface AttemptTracer {
  /**
   * Opens the span of one attempt at `instance`, under `trace` (the
   * request's SERVER span, or its part's span). The returned headers are
   * the call's `headers` with this span as the parent in `traceparent`:
   * what the upstream receives.
   */
  start(
    trace: TraceContext,
    method: string,
    instance: ServiceInstance,
    path: string,
    query: Readonly<Record<string, string | number>> | undefined,
    headers: Readonly<Record<string, string>>,
  ): AttemptSpan;
}

/** One attempt's span; the service client ends it once, however the attempt ended. */
export interface AttemptSpan {
  /** The headers to send: the call's, with this span in `traceparent`. */
  readonly headers: Readonly<Record<string, string>>;
  /** The transport answered (before the answer is judged): its status, and over gRPC the gRPC status. */
  answered(response: TransportResponse | StreamResponse): void;
  /** The attempt is over: `error` is why it failed, undefined when it did not. */
  end(error: unknown): void;
}
