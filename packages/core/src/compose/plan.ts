import pTimeout from "p-timeout";
import { Cancellation } from "../cancellation.js";
import { type RequestContext, withCancellation } from "../context.js";
import { DeadlineExceededError, withoutStackTraces } from "../errors/index.js";
import type { DegradedKind, FallbackPolicy } from "../resilience/fallback-policy.js";
import { started } from "../started.js";
import { type PartReport, reportComposition } from "./composition-sink.js";
import { type PartSpan, partTracingOf } from "./part-tracing.js";
import { SlowestFirst } from "./slowest-first.js";

export interface PartSpec<I, D, K extends keyof D, T> {
  /** Parts whose values this one needs; it starts as soon as they are all ready. */
  readonly needs?: readonly K[];
  /**
   * A required part's failure fails the whole composition (502/503/504, or
   * 404 when the service says so). An optional part must name its fallback.
   */
  readonly fallback?: FallbackPolicy<T>;
  /** Key of the data for fallbacks that remember answers, e.g. the product id. */
  readonly key?: (input: I, deps: Pick<D, K>) => string;
  /** The name in the `degraded` marker, when it is not the part's own. */
  readonly degradedAs?: string;
  /** Run only when this holds; otherwise the part's value is `otherwise` and nothing is degraded. */
  readonly when?: (input: I) => boolean;
  readonly otherwise?: T;
  readonly run: (ctx: RequestContext, input: I, deps: Pick<D, K>) => Promise<T>;
}

interface AnyPart {
  readonly name: string;
  readonly spec: PartSpec<unknown, Record<string, unknown>, string, unknown>;
}

export interface CompositionResult<D> {
  readonly values: D;
  /** `{ part: kind }` for each part served by a fallback; `{}` when all is fresh. */
  readonly degraded: Record<string, DegradedKind>;
  readonly parts: readonly PartReport[];
}

/**
 * A declared composition: parts, what each needs, which are required, and
 * each optional part's fallback. Build it once, run it per request:
 *
 * ```ts
 * const plan = composition<{ id: string }>()
 *   .part("product", { run: (ctx, { id }) => shop.product(ctx, id) })
 *   .part("recs", { fallback: staticFallback(TOP_TEN), run: (ctx, { id }) => shop.recommendations(ctx, id, 10) })
 *   .part("recProducts", { needs: ["recs"], fallback: emptyFallback([]),
 *                          run: (ctx, _, { recs }) => shop.products(ctx, recs.map((r) => r.productId)) });
 * const { values, degraded } = await plan.run(ctx, { id });
 * ```
 *
 * Independent parts run concurrently, started slowest first (by their
 * recent durations, see `SlowestFirst`); a dependent part starts the moment
 * its inputs are ready. `values` keeps the declared order. When a required
 * part fails, the others are aborted and the composition rejects with that
 * part's error at once.
 */
export class Composition<I, D extends Record<string, unknown>> {
  readonly #parts: readonly AnyPart[];
  /** The parts that need none, by their number in `#parts`; started first, slowest first. */
  readonly #independent: readonly number[];
  /** The parts that need others, in their declared order (after what they need). */
  readonly #dependent: readonly number[];
  readonly #slowestFirst: SlowestFirst;

  constructor(parts: readonly AnyPart[] = []) {
    this.#parts = parts;
    const independent: number[] = [];
    const dependent: number[] = [];
    parts.forEach(({ spec }, i) => {
      (spec.needs === undefined || spec.needs.length === 0 ? independent : dependent).push(i);
    });
    this.#independent = independent;
    this.#dependent = dependent;
    this.#slowestFirst = new SlowestFirst(independent.length);
  }

  /** Adds a part (returns a new composition; this one is unchanged). */
  part<N extends string, T, K extends keyof D & string = never>(
    name: N,
    spec: PartSpec<I, D, K, T>,
  ): Composition<I, D & Record<N, T>> {
    if (this.#parts.some((part) => part.name === name)) throw new Error(`Duplicate part "${name}"`);
    for (const need of spec.needs ?? []) {
      if (!this.#parts.some((part) => part.name === need))
        throw new Error(`Part "${name}" needs unknown "${need}"`);
    }
    return new Composition([...this.#parts, { name, spec: spec as unknown as AnyPart["spec"] }]);
  }

  async run(ctx: RequestContext, input: I): Promise<CompositionResult<D>> {
    const { cancellation, release } = Cancellation.following(ctx.cancellation ?? ctx.signal);
    const partCtx = withCancellation(ctx, cancellation);
    const startedAt = performance.now();
    const degraded: Record<string, DegradedKind> = {};
    const reports: PartReport[] = [];
    const promises = new Map<string, Promise<unknown>>();
    // Spans exported: each part gets its own, and its calls run under it.
    const tracing = partTracingOf(ctx.trace);

    // Promise handlers rather than an async function: this runs for every part of every composite.
    // A synchronous throw anywhere in it (a team's `when`, `key` or fallback) is the part's rejection.
    const runPart = (
      name: string,
      spec: AnyPart["spec"],
      deps: Record<string, unknown>,
      slot: number,
    ): Promise<unknown> => {
      try {
        return startPart(name, spec, deps, slot);
      } catch (error) {
        return Promise.reject(error);
      }
    };
    const startPart = (
      name: string,
      spec: AnyPart["spec"],
      deps: Record<string, unknown>,
      slot: number,
    ): Promise<unknown> => {
      const partStart = performance.now();
      let span: PartSpan | undefined;
      const report = (outcome: PartReport["outcome"]) => {
        const durationMs = performance.now() - partStart;
        reports.push({ name, startMs: partStart - startedAt, durationMs, outcome });
        if (slot !== -1 && outcome !== "skipped") slowestFirst.took(slot, durationMs);
        if (span !== undefined) span.end(outcome);
      };
      if (spec.when !== undefined && !spec.when(input)) {
        report("skipped");
        return Promise.resolve(spec.otherwise);
      }
      let call = () => spec.run(partCtx, input, deps);
      if (tracing !== undefined) {
        const traced = tracing.startPart(name, spec.degradedAs ?? name, partCtx);
        span = traced;
        // A fallback swallows the failure: the span keeps why the part was degraded.
        call = () =>
          spec.run(traced.ctx, input, deps).catch((error: unknown) => {
            traced.failed(error);
            throw error;
          });
      }
      const fallback = spec.fallback;
      if (fallback === undefined) {
        // A team's part that answers a plain value is a promise of it (no cost for a promise).
        return started(call).then(
          (value) => {
            report("ok");
            return value;
          },
          (error: unknown) => {
            report("failed");
            throw error;
          },
        );
      }
      const served = fallback.execute(call, spec.key ? spec.key(input, deps) : name);
      // Promise.resolve: a team's policy may answer a thenable or a plain outcome.
      return Promise.resolve(served).then((outcome) => {
        if (outcome.degraded !== undefined) degraded[spec.degradedAs ?? name] = outcome.degraded;
        report(outcome.degraded ?? "ok");
        return outcome.value;
      });
    };

    const parts = this.#parts;
    const slowestFirst = this.#slowestFirst;
    const independent = this.#independent;
    // Independent parts (most of them) start at once, slowest first, with no dependency bookkeeping.
    for (const slot of slowestFirst.order()) {
      const { name, spec } = parts[independent[slot] as number] as AnyPart;
      promises.set(name, runPart(name, spec, {}, slot));
    }
    for (const index of this.#dependent) {
      const { name, spec } = parts[index] as AnyPart;
      const needs = spec.needs as readonly string[];
      const promise = Promise.all(needs.map((need) => promises.get(need))).then((values) => {
        const deps: Record<string, unknown> = {};
        for (let i = 0; i < needs.length; i++) deps[needs[i] as string] = values[i];
        return runPart(name, spec, deps, -1);
      });
      promises.set(name, promise);
    }

    try {
      // In the declared order, whatever order the parts started in.
      const values = await settledInTime(
        Promise.all(parts.map(({ name }) => promises.get(name))),
        ctx.deadline,
      );
      const result: Record<string, unknown> = {};
      parts.forEach(({ name }, i) => {
        result[name] = values[i];
      });
      reportComposition(ctx, reports, degraded);
      return { values: result as D, degraded, parts: reports };
    } catch (error) {
      // Parts still running are no longer wanted: close their upstream calls.
      cancellation.abort(error);
      // The parts still running report as they stop: the sink keeps the array, not a copy.
      reportComposition(ctx, reports, degraded);
      throw error;
    } finally {
      release();
    }
  }
}

/**
 * How long after the deadline a composition may still take: its calls end
 * by the deadline, and an optional part then needs a moment for its
 * fallback (a last-known-good read is bounded by `REDIS_TIMEOUT_MS`).
 */
const FALLBACK_GRACE_MS = 250;

/**
 * The composition's backstop, once per request: a part that ignores its
 * cancellation (a team's own code, a store that hangs) cannot hold the
 * request past its deadline; the client gets a 504. Every upstream call has
 * its own, shorter limit (`runStages`).
 */
function settledInTime<T>(all: Promise<T>, deadline: number): Promise<T> {
  // p-timeout builds its spare TimeoutError up front: without a stack trace it costs little.
  // Whole milliseconds: node keeps one timer list (and a place in its queue) per distinct duration.
  return withoutStackTraces(() =>
    pTimeout(all, {
      milliseconds: Math.ceil(Math.max(0, deadline - performance.now())) + FALLBACK_GRACE_MS,
      fallback: () => {
        throw new DeadlineExceededError();
      },
    }),
  );
}

/** Starts declaring a composition whose parts receive `input` (e.g. the validated ids). */
export function composition<I>(): Composition<I, Record<never, never>> {
  return new Composition<I, Record<never, never>>();
}
