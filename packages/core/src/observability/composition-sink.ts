import type { PartReport } from "../compose/plan.js";
import type { DegradedKind } from "../resilience/fallback-policy.js";

// A symbol key, so the sink travels with every copy of the request context
// (`withIdentity`, `withSignal` spread it along) without widening its type.
const SINK = Symbol("portico.compositionSink");

/** Told how each composition of a request came out: its parts' reports and `degraded` marker. */
export interface CompositionSink {
  composed(parts: readonly PartReport[], degraded: Readonly<Record<string, DegradedKind>>): void;
}

/** A copy of `ctx` whose compositions report to `sink`. */
export function withCompositionSink<C extends object>(ctx: C, sink: CompositionSink): C {
  return { ...ctx, [SINK]: sink };
}

/** Tells the request's sink, if it has one, how a composition came out (called by `Composition.run`). */
export function reportComposition(
  ctx: object,
  parts: readonly PartReport[],
  degraded: Readonly<Record<string, DegradedKind>>,
): void {
  (ctx as { [SINK]?: CompositionSink })[SINK]?.composed(parts, degraded);
}

/**
 * Collects the compositions of one request for its log line, the fallback
 * metrics and the dashboard's waterfall. The parts array is kept by
 * reference: parts aborted after a required one failed report a moment later.
 */
export class CompositionCapture implements CompositionSink {
  parts: readonly PartReport[] | undefined;
  degraded: Readonly<Record<string, DegradedKind>> | undefined;

  composed(parts: readonly PartReport[], degraded: Readonly<Record<string, DegradedKind>>): void {
    if (this.parts === undefined) {
      this.parts = parts;
      this.degraded = degraded;
      return;
    }
    this.parts = [...this.parts, ...parts];
    this.degraded = { ...this.degraded, ...degraded };
  }
}
