import type { DegradedKind } from "../resilience/fallback-policy.js";

/** How one part of a composite answer came out, for logs and the dashboard's waterfall. */
export interface PartReport {
  readonly name: string;
  /** ms since the composition started. */
  readonly startMs: number;
  readonly durationMs: number;
  readonly outcome: "ok" | "skipped" | "failed" | DegradedKind;
}

/** Told how each composition of a request came out: its parts' reports and `degraded` marker. */
export interface CompositionSink {
  composed(parts: readonly PartReport[], degraded: Readonly<Record<string, DegradedKind>>): void;
}

/** What carries a request's sink: `RequestContext.compositions`. */
interface CarriesCompositionSink {
  readonly compositions?: CompositionSink | undefined;
}

/** A copy of `ctx` whose compositions report to `sink` (its `compositions` field). */
export function withCompositionSink<C extends object>(ctx: C, sink: CompositionSink): C {
  // A request context's `signal` may be a getter on its prototype, which a spread would not copy.
  const signal = (ctx as { signal?: AbortSignal }).signal;
  return { ...ctx, ...(signal === undefined ? {} : { signal }), compositions: sink };
}

/** Tells the request's sink, if it has one, how a composition came out (called by `Composition.run`). */
export function reportComposition(
  ctx: CarriesCompositionSink,
  parts: readonly PartReport[],
  degraded: Readonly<Record<string, DegradedKind>>,
): void {
  ctx.compositions?.composed(parts, degraded);
}
