import type { RequestContext, TraceContext } from "../context.js";
import type { PartReport } from "./composition-sink.js";

/**
 * What a request's trace context can do when its spans are exported
 * (`OTEL_EXPORTER_OTLP_ENDPOINT`): open a span per part of a composition.
 * The edge then makes the request's `ctx.trace` one (the SERVER span's),
 * and each part's calls run under the part's span. Without tracing,
 * `ctx.trace` is a plain `TraceContext` and compositions open nothing.
 */
export interface PartTracing {
  /**
   * Opens the span of part `name` (`marker`: its name in the `degraded`
   * marker) under this trace. The part runs with the span's `ctx`, a copy
   * of `ctx` whose trace is that span.
   */
  startPart(name: string, marker: string, ctx: RequestContext): PartSpan;
}

/** One part's span; the composition ends it once, with the part's outcome. */
export interface PartSpan {
  /** What the part runs with: the composition's context under this span. */
  readonly ctx: RequestContext;
  /** The part's call failed; its fallback may still serve it (then `end` says how). */
  failed(error: unknown): void;
  /** The part is done: its report's outcome (`ok`, `failed`, or the degraded kind). */
  end(outcome: PartReport["outcome"]): void;
}

/** The request's part tracing when its trace is an exported span's; undefined when tracing is off. */
export function partTracingOf(trace: TraceContext): PartTracing | undefined {
  return "startPart" in trace ? (trace as TraceContext & PartTracing) : undefined;
}
