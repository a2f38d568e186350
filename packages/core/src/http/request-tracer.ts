import type { IncomingMessage } from "node:http";
import type { RequestContext } from "../context.js";

/**
 * Opens the SERVER span of every client request (not the ops routes) when
 * spans are exported (`OTEL_EXPORTER_OTLP_ENDPOINT`). The edge has one, or
 * none: then it only continues the client's `traceparent` (`continueTrace`).
 */
export interface RequestTracer {
  /**
   * Opens the request's SERVER span, continuing the client's
   * `traceparent` (same trace id; a new trace when none came or it is
   * malformed). `ctx` is the request's context, made without the client's
   * `traceparent`: the span's `ctx` is a copy whose trace is the span, so
   * the request's upstream calls become its children.
   */
  startRequest(ctx: RequestContext, req: IncomingMessage, method: string, path: string): RequestSpan;
}

/** One client request's SERVER span. */
export interface RequestSpan {
  /** The request's context under this span. */
  readonly ctx: RequestContext;
  /**
   * The answer is out, or the client went away (status 499). `route` is
   * the matched route's template, undefined when none matched.
   */
  end(route: string | undefined, status: number): void;
}
