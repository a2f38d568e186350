import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { createRequestContext, type RequestContext } from "../context.js";
import { UpstreamNotFoundError, UpstreamStatusError } from "../errors/index.js";
import { emptyFallback, staticFallback } from "../resilience/fallback-policy.js";
import { settle, sleep, useFakeClock } from "../test-support/async.js";
import { composition } from "./plan.js";

/** A part's work: answers `value` after `ms`, or fails at once when its signal is aborted. */
const after =
  <T>(ms: number, value: T) =>
  async (ctx: RequestContext): Promise<T> => {
    await sleep(ms, ctx.signal);
    return value;
  };

const failAfter = (ms: number, error: Error) => async (ctx: RequestContext) => {
  await sleep(ms, ctx.signal);
  throw error;
};

const context = (signal?: AbortSignal) =>
  createRequestContext({ deadlineMs: 2_000, ...(signal ? { signal } : {}) });

beforeEach(() => {
  useFakeClock();
});

afterEach(() => {
  expect(vi.getTimerCount()).toBe(0);
  vi.useRealTimers();
});

describe("composition", () => {
  it("runs independent parts concurrently: the whole takes about the slowest part", async () => {
    const plan = composition<{ id: string }>()
      .part("product", { run: after(300, "product") })
      .part("reviews", { fallback: emptyFallback(null), run: after(200, "reviews") })
      .part("stock", { fallback: emptyFallback(null), run: after(100, "stock") });
    const started = performance.now();
    const outcome = plan.run(context(), { id: "p1" });
    await vi.advanceTimersByTimeAsync(300);
    const result = await outcome;
    expect(performance.now() - started).toBe(300);
    expect(result.values).toEqual({ product: "product", reviews: "reviews", stock: "stock" });
    expect(result.degraded).toEqual({});
  });

  it("starts the slowest independent part first once it has timed them, and keeps the declared order in values", async () => {
    const starts: string[] = [];
    const timed =
      <T>(name: string, ms: number, value: T) =>
      (ctx: RequestContext): Promise<T> => {
        starts.push(name);
        return after(ms, value)(ctx);
      };
    const plan = composition<{ id: string }>()
      .part("product", { run: timed("product", 5, "product") })
      .part("price", { run: timed("price", 10, "price") })
      .part("recs", { fallback: emptyFallback([]), run: timed("recs", 40, ["p2"]) })
      .part("names", { needs: ["recs", "product"], run: async (_ctx, _input, deps) => deps.recs.length });
    const runOnce = async () => {
      starts.length = 0;
      const outcome = plan.run(context(), { id: "p1" });
      await vi.advanceTimersByTimeAsync(40);
      return outcome;
    };
    const first = await runOnce();
    expect(starts).toEqual(["product", "price", "recs"]);
    for (let i = 0; i < 31; i++) await runOnce();
    const later = await runOnce();
    expect(starts).toEqual(["recs", "price", "product"]);
    for (const { values } of [first, later]) {
      expect(Object.keys(values)).toEqual(["product", "price", "recs", "names"]);
      expect(values).toEqual({ product: "product", price: "price", recs: ["p2"], names: 1 });
    }
  });

  it("gives every part the input and its own dependencies' values", async () => {
    const seen: unknown[] = [];
    const plan = composition<{ id: string }>()
      .part("recs", { run: async (_ctx, input) => [`${input.id}-r1`, `${input.id}-r2`] })
      .part("names", {
        needs: ["recs"],
        run: async (_ctx, input, deps) => {
          seen.push(input, deps);
          return deps.recs.map((id) => id.toUpperCase());
        },
      });
    const { values } = await plan.run(context(), { id: "p1" });
    expect(values.names).toEqual(["P1-R1", "P1-R2"]);
    expect(seen).toEqual([{ id: "p1" }, { recs: ["p1-r1", "p1-r2"] }]);
  });

  it("starts a dependent part as soon as its inputs are ready, not after unrelated parts", async () => {
    const plan = composition<null>()
      .part("recs", { run: after(100, ["p7"]) })
      .part("slow", { run: after(500, "slow") })
      .part("recProducts", { needs: ["recs"], run: after(100, "products") });
    const outcome = plan.run(context(), null);
    await vi.advanceTimersByTimeAsync(500);
    const { parts } = await outcome;
    const byName = Object.fromEntries(parts.map((part) => [part.name, part]));
    expect(byName.recProducts).toMatchObject({ startMs: 100, durationMs: 100, outcome: "ok" });
    expect(byName.recs).toMatchObject({ startMs: 0, durationMs: 100 });
    expect(byName.slow).toMatchObject({ startMs: 0, durationMs: 500 });
  });

  it("marks a part served by its fallback as degraded, under degradedAs when given", async () => {
    const plan = composition<null>()
      .part("product", { run: after(10, { id: "p1" }) })
      .part("price", {
        degradedAs: "price",
        fallback: emptyFallback(null),
        run: failAfter(10, new UpstreamStatusError("pricing", 500)),
      })
      .part("recPrices", {
        degradedAs: "recommendationPrices",
        fallback: emptyFallback([]),
        run: failAfter(10, new UpstreamStatusError("pricing", 503)),
      })
      .part("recommendations", {
        fallback: staticFallback(["p1", "p2"]),
        run: failAfter(10, new UpstreamStatusError("recommendations", 502)),
      });
    const outcome = plan.run(context(), null);
    await vi.advanceTimersByTimeAsync(10);
    const { values, degraded, parts } = await outcome;
    expect(values).toEqual({
      product: { id: "p1" },
      price: null,
      recPrices: [],
      recommendations: ["p1", "p2"],
    });
    expect(degraded).toEqual({ price: "empty", recommendationPrices: "empty", recommendations: "default" });
    expect(Object.fromEntries(parts.map((part) => [part.name, part.outcome]))).toEqual({
      product: "ok",
      price: "empty",
      recPrices: "empty",
      recommendations: "default",
    });
  });

  it("skips a part whose `when` does not hold: its value is `otherwise` and nothing is degraded", async () => {
    const run = vi.fn(async () => ({ itemCount: 2 }));
    const plan = composition<{ customerId?: string }>().part("cart", {
      when: (input) => input.customerId !== undefined,
      otherwise: null,
      fallback: emptyFallback(null),
      run,
    });
    const anonymous = await plan.run(context(), {});
    expect(anonymous.values).toEqual({ cart: null });
    expect(anonymous.degraded).toEqual({});
    expect(anonymous.parts).toMatchObject([{ name: "cart", outcome: "skipped" }]);
    expect(run).not.toHaveBeenCalled();
    const signedIn = await plan.run(context(), { customerId: "c1" });
    expect(signedIn.values).toEqual({ cart: { itemCount: 2 } });
  });

  it("rejects as soon as a required part fails and aborts the other parts' signals", async () => {
    const signals: AbortSignal[] = [];
    const watch = (ms: number) => async (ctx: RequestContext) => {
      signals.push(ctx.signal);
      await sleep(ms, ctx.signal);
      return "late";
    };
    const failure = new UpstreamNotFoundError("catalog");
    const caller = new AbortController();
    const plan = composition<null>()
      .part("product", { run: failAfter(50, failure) })
      .part("reviews", { fallback: emptyFallback(null), run: watch(1_000) })
      .part("stock", { run: watch(1_000) });
    const started = performance.now();
    const outcome = settle(plan.run(context(caller.signal), null));
    await vi.advanceTimersByTimeAsync(50);
    expect(await outcome).toEqual({ ok: false, error: failure });
    expect(performance.now() - started).toBe(50);
    expect(signals).toHaveLength(2);
    for (const signal of signals) expect(signal.aborted).toBe(true);
    // The caller's own signal is left alone.
    expect(caller.signal.aborted).toBe(false);
  });

  it("fails a part whose required dependency failed, with that dependency's error", async () => {
    const failure = new UpstreamStatusError("customers", 502);
    const dependent = vi.fn(async () => "never");
    const plan = composition<null>()
      .part("customer", { run: failAfter(10, failure) })
      .part("wishlist", { needs: ["customer"], run: dependent });
    const outcome = settle(plan.run(context(), null));
    await vi.advanceTimersByTimeAsync(10);
    expect(await outcome).toEqual({ ok: false, error: failure });
    expect(dependent).not.toHaveBeenCalled();
  });

  it("passes the caller's abort on to every part", async () => {
    const caller = new AbortController();
    const seen: AbortSignal[] = [];
    const plan = composition<null>().part("reviews", {
      fallback: emptyFallback(null),
      run: async (ctx) => {
        seen.push(ctx.signal);
        await sleep(1_000, ctx.signal);
        return "late";
      },
    });
    const outcome = plan.run(context(caller.signal), null);
    caller.abort();
    await outcome;
    expect(seen[0]?.aborted).toBe(true);
  });

  it("gives parts the request context with a signal of its own", async () => {
    const ctx = context();
    let partCtx: RequestContext | undefined;
    await composition<null>()
      .part("p", {
        run: async (c) => {
          partCtx = c;
          return 1;
        },
      })
      .run(ctx, null);
    expect(partCtx?.requestId).toBe(ctx.requestId);
    expect(partCtx?.timings).toBe(ctx.timings);
    expect(partCtx?.deadline).toBe(ctx.deadline);
    expect(partCtx?.signal).not.toBe(ctx.signal);
  });

  it("keys a remembering fallback with the part's key function", async () => {
    const keys: string[] = [];
    const plan = composition<{ id: string }>().part("price", {
      key: (input) => input.id,
      fallback: {
        async execute(fn, key) {
          keys.push(key);
          return { value: await fn() };
        },
      },
      run: async () => 1,
    });
    await plan.run(context(), { id: "p42" });
    expect(keys).toEqual(["p42"]);
  });

  it("reports each part with its start, duration and outcome", async () => {
    const plan = composition<null>()
      .part("a", { run: after(40, 1) })
      .part("b", { needs: ["a"], fallback: emptyFallback(0), run: failAfter(30, new Error("x")) });
    const outcome = plan.run(context(), null);
    await vi.advanceTimersByTimeAsync(70);
    const { parts } = await outcome;
    expect(parts).toEqual([
      { name: "a", startMs: 0, durationMs: 40, outcome: "ok" },
      { name: "b", startMs: 40, durationMs: 30, outcome: "empty" },
    ]);
  });

  it("refuses a duplicate part name and a need that is not declared before", () => {
    const plan = composition<null>().part("a", { run: async () => 1 });
    expect(() => plan.part("a", { run: async () => 2 })).toThrow('Duplicate part "a"');
    expect(() => plan.part("b", { needs: ["c" as "a"], run: async () => 2 })).toThrow(
      'Part "b" needs unknown "c"',
    );
  });

  it("leaves a declared composition unchanged when parts are added to it", async () => {
    const base = composition<null>().part("a", { run: async () => 1 });
    base.part("b", { run: async () => 2 });
    await expect(base.run(context(), null)).resolves.toMatchObject({ values: { a: 1 } });
  });
});
