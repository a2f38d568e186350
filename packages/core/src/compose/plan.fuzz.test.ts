import fc from "fast-check";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { createRequestContext, type RequestContext } from "../context.js";
import { ClientClosedError, UpstreamStatusError } from "../errors/index.js";
import { emptyFallback, staticFallback } from "../resilience/fallback-policy.js";
import { settle, sleep, useFakeClock } from "../test-support/async.js";
import { type Composition, composition } from "./plan.js";

type Behavior = { kind: "ok"; delay: number } | { kind: "fail"; delay: number } | { kind: "hang" };

/** One generated part: what it needs, whether it is required, and how its call ends. */
interface PartModel {
  readonly needs: readonly number[];
  readonly required: boolean;
  readonly runs: boolean;
  readonly behavior: Behavior;
  readonly fallback: "empty" | "default";
  readonly alias: boolean;
}

interface Scenario {
  readonly parts: readonly PartModel[];
  /** The client goes away after this many ms (always set when some part hangs). */
  readonly abortAfter: number | undefined;
}

const behavior: fc.Arbitrary<Behavior> = fc.oneof(
  {
    weight: 5,
    arbitrary: fc.record({ kind: fc.constant("ok" as const), delay: fc.integer({ min: 0, max: 40 }) }),
  },
  {
    weight: 2,
    arbitrary: fc.record({ kind: fc.constant("fail" as const), delay: fc.integer({ min: 0, max: 40 }) }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("hang" as const) }) },
);

const partAt = (index: number): fc.Arbitrary<PartModel> =>
  fc.record({
    needs: fc.subarray(Array.from({ length: index }, (_, i) => i)),
    required: fc.boolean(),
    runs: fc.oneof({ weight: 4, arbitrary: fc.constant(true) }, { weight: 1, arbitrary: fc.constant(false) }),
    behavior,
    fallback: fc.constantFrom("empty" as const, "default" as const),
    alias: fc.boolean(),
  });

const scenario: fc.Arbitrary<Scenario> = fc
  .integer({ min: 1, max: 8 })
  .chain((n) => fc.tuple(...Array.from({ length: n }, (_, i) => partAt(i))))
  .chain((parts) =>
    fc.record({
      parts: fc.constant(parts),
      abortAfter: parts.some((part) => part.runs && part.behavior.kind === "hang")
        ? fc.integer({ min: 0, max: 80 })
        : fc.option(fc.integer({ min: 0, max: 80 }), { nil: undefined }),
    }),
  );

const nameOf = (i: number) => `part${i}`;

interface Trace {
  readonly started: Map<number, { at: number; deps: Record<string, unknown> }>;
  readonly ended: Map<number, number>;
  readonly errors: Map<number, Error>;
}

/** Builds the composition a scenario describes; every call reports to `trace`. */
function build(
  parts: readonly PartModel[],
  trace: Trace,
): Composition<{ id: string }, Record<string, unknown>> {
  let plan = composition<{ id: string }>() as unknown as Composition<{ id: string }, Record<string, unknown>>;
  parts.forEach((part, i) => {
    const name = nameOf(i);
    const error = new UpstreamStatusError(name, 500);
    trace.errors.set(i, error);
    const run = async (ctx: RequestContext, _input: { id: string }, deps: Record<string, unknown>) => {
      expect(trace.started.has(i)).toBe(false);
      trace.started.set(i, { at: performance.now(), deps });
      try {
        if (part.behavior.kind === "hang") {
          await new Promise<never>((_, reject) => {
            if (ctx.signal.aborted) reject(ctx.signal.reason);
            ctx.signal.addEventListener("abort", () => reject(ctx.signal.reason), { once: true });
          });
        }
        await sleep(part.behavior.kind === "hang" ? 0 : part.behavior.delay, ctx.signal);
        if (part.behavior.kind === "fail") throw error;
        return `v:${name}`;
      } finally {
        trace.ended.set(i, performance.now());
      }
    };
    const fallbackValue = `fb:${name}`;
    plan = plan.part(name, {
      needs: part.needs.map(nameOf),
      ...(part.required
        ? {}
        : {
            fallback:
              part.fallback === "empty" ? emptyFallback(fallbackValue) : staticFallback(fallbackValue),
            ...(part.alias ? { degradedAs: `as_${name}` } : {}),
          }),
      ...(part.runs ? {} : { when: () => false, otherwise: `skip:${name}` }),
      run,
    } as never) as unknown as Composition<{ id: string }, Record<string, unknown>>;
  });
  return plan;
}

/** How each part must end when nothing is aborted: the model's own answer. */
function expected(parts: readonly PartModel[]) {
  const outcome: ("ok" | "fallback" | "skipped" | "failed" | "unreached")[] = [];
  parts.forEach((part, i) => {
    if (part.needs.some((need) => outcome[need] === "failed" || outcome[need] === "unreached")) {
      outcome[i] = "unreached";
    } else if (!part.runs) outcome[i] = "skipped";
    else if (part.behavior.kind === "ok") outcome[i] = "ok";
    else outcome[i] = part.required ? "failed" : "fallback";
  });
  return outcome;
}

beforeEach(() => {
  useFakeClock();
});

afterEach(() => {
  vi.useRealTimers();
});

describe("composition (fuzz)", () => {
  it("always settles, runs parts after their needs, degrades exactly the failed optional parts, and aborts leftovers", async () => {
    await fc.assert(
      fc.asyncProperty(scenario, async ({ parts, abortAfter }) => {
        const trace: Trace = { started: new Map(), ended: new Map(), errors: new Map() };
        const plan = build(parts, trace);
        const controller = new AbortController();
        const closed = new ClientClosedError();
        const abortTimer =
          abortAfter === undefined ? undefined : setTimeout(() => controller.abort(closed), abortAfter);
        const ctx = createRequestContext({ deadlineMs: 2_000, signal: controller.signal });

        let settledAt = Number.NaN;
        const outcome = settle(plan.run(ctx, { id: "p1" })).then((value) => {
          settledAt = performance.now();
          return value;
        });
        await vi.advanceTimersByTimeAsync(500);
        const result = await Promise.race([outcome, Promise.resolve("pending" as const)]);
        // 1. It settles: parts end on their own or when the client goes away.
        expect(result).not.toBe("pending");
        if (result === "pending") return;
        clearTimeout(abortTimer);
        await vi.advanceTimersByTimeAsync(100);

        // 2. No part starts before everything it needs has ended, or runs when skipped.
        for (const [i, { at, deps }] of trace.started) {
          const part = parts[i] as PartModel;
          expect(part.runs).toBe(true);
          for (const need of part.needs) {
            expect(trace.ended.has(need) || !(parts[need] as PartModel).runs).toBe(true);
            if (trace.ended.has(need)) expect(at).toBeGreaterThanOrEqual(trace.ended.get(need) as number);
            expect([`v:${nameOf(need)}`, `fb:${nameOf(need)}`, `skip:${nameOf(need)}`]).toContain(
              deps[nameOf(need)],
            );
          }
        }
        // 3. Nothing is left running: every part that started ended by the time the
        //    composition settled (a failure aborts the parts still running at once).
        for (const i of trace.started.keys()) {
          expect(trace.ended.get(i)).toBeLessThanOrEqual(settledAt);
        }

        const ownErrors = new Set(
          parts.flatMap((part, i) => (part.required && part.runs ? [trace.errors.get(i)] : [])),
        );
        if (result.ok) {
          const { values, degraded } = result.value;
          parts.forEach((part, i) => {
            const name = nameOf(i);
            const value = values[name];
            if (!part.runs) expect(value).toBe(`skip:${name}`);
            else if (part.required) expect(value).toBe(`v:${name}`);
            else expect([`v:${name}`, `fb:${name}`]).toContain(value);
            const key = part.alias && !part.required ? `as_${name}` : name;
            const kind = part.fallback === "empty" ? "empty" : "default";
            // 4. `degraded` names exactly the optional parts served by their fallback.
            expect(degraded[key]).toBe(value === `fb:${name}` ? kind : undefined);
          });
          expect(Object.keys(degraded).length).toBe(
            parts.filter((_, i) => values[nameOf(i)] === `fb:${nameOf(i)}`).length,
          );
        } else {
          // 5. A failure is a required part's own error, or the client's abort: never anything else.
          expect(result.error === closed || ownErrors.has(result.error as UpstreamStatusError)).toBe(true);
        }

        // 6. Without an abort, the outcome is exactly the model's.
        if (abortAfter === undefined) {
          const model = expected(parts);
          expect(result.ok).toBe(!model.includes("failed"));
          if (result.ok) {
            model.forEach((kind, i) => {
              const value = result.value.values[nameOf(i)];
              if (kind === "ok") expect(value).toBe(`v:${nameOf(i)}`);
              if (kind === "fallback") expect(value).toBe(`fb:${nameOf(i)}`);
              if (kind === "skipped") expect(value).toBe(`skip:${nameOf(i)}`);
            });
          } else {
            expect(ownErrors.has(result.error as UpstreamStatusError)).toBe(true);
          }
        }
        expect(vi.getTimerCount()).toBe(0);
      }),
      { numRuns: 400 },
    );
  });
});
