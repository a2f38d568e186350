import type { Context, Span } from "@opentelemetry/api";
import type { PartReport } from "../../compose/composition-sink.js";
import type { PartSpan, PartTracing } from "../../compose/part-tracing.js";
import { type RequestContext, type TraceContext, withTrace } from "../../context.js";
import { errorMessageOf, errorTypeOf } from "./error-type.js";
import type { Otel } from "./otel-sdk.js";
import { ATTR } from "./semantic-attributes.js";

/**
 * A span the gateway exports, as a request's (or a part's) trace context:
 * its ids are what `traceparentOf` and the log lines read, its `context`
 * is the parent of the spans opened under it (parts, attempts), and `part`
 * names the part whose span it is, for the CLIENT spans of its calls.
 */
export class SpanTrace implements TraceContext, PartTracing {
  readonly traceId: string;
  readonly spanId: string;
  readonly flags: string;
  /** The API context holding this span. */
  readonly context: Context;

  constructor(
    readonly otel: Otel,
    span: Span,
    /** The part's name in the `degraded` marker; undefined for the request's own span. */
    readonly part: string | undefined,
  ) {
    const { traceId, spanId, traceFlags } = span.spanContext();
    this.traceId = traceId;
    this.spanId = spanId;
    this.flags = (traceFlags & 0xff).toString(16).padStart(2, "0");
    this.context = otel.api.trace.setSpan(otel.api.ROOT_CONTEXT, span);
  }

  startPart(name: string, marker: string, ctx: RequestContext): PartSpan {
    return new TracedPart(this, name, marker, ctx);
  }
}

/**
 * The INTERNAL span of one part of a composite answer: its calls' CLIENT
 * spans are its children, and it tells how the part came out:
 * `portico.degraded` (with `portico.fallback.cause`) when a fallback
 * served it, status ERROR when it failed the request.
 */
class TracedPart implements PartSpan {
  readonly ctx: RequestContext;
  readonly #span: Span;
  readonly #otel: Otel;
  #failure: unknown;

  constructor(parent: SpanTrace, name: string, marker: string, ctx: RequestContext) {
    const otel = parent.otel;
    this.#otel = otel;
    this.#span = otel.tracer.startSpan(
      `part ${name}`,
      { kind: otel.api.SpanKind.INTERNAL, attributes: { [ATTR.PORTICO_PART]: marker } },
      parent.context,
    );
    this.ctx = withTrace(ctx, new SpanTrace(otel, this.#span, marker));
  }

  failed(error: unknown): void {
    this.#failure = error;
  }

  end(outcome: PartReport["outcome"]): void {
    const span = this.#span;
    if (outcome === "failed") {
      span.setAttribute(ATTR.ERROR_TYPE, errorTypeOf(this.#failure));
      span.setStatus({ code: this.#otel.api.SpanStatusCode.ERROR, message: errorMessageOf(this.#failure) });
    } else if (outcome !== "ok" && outcome !== "skipped") {
      span.setAttribute(ATTR.PORTICO_DEGRADED, outcome);
      if (this.#failure !== undefined)
        span.setAttribute(ATTR.PORTICO_FALLBACK_CAUSE, errorTypeOf(this.#failure));
    }
    span.end();
  }
}
