import type { PolicyContext } from "../context.js";
import { isGatewayError } from "../errors/index.js";
import { RollingWindow } from "../observability/rolling-window.js";

/** `<SERVICE>_HEDGE_AFTER_MS`: a fixed delay in ms, or `p95`, the service's own recent p95. */
export type HedgeAfter = number | "p95";

/** What happened to a hedged call: a hedge went out, then the hedge or the first attempt answered first. */
export type HedgeOutcome = "sent" | "won" | "lost";

export interface HedgePolicyOptions {
  service: string;
  after: HedgeAfter;
  /** `HEDGE_BUDGET_PCT`: hedges stay within this % of the first attempts of the window, plus one. Default 5. */
  budgetPct?: number;
  /**
   * Told when a hedge is sent, and then which attempt answered first:
   * `won` (the hedge) or `lost` (the first attempt), with how long the
   * hedge had been out. `ctx` is the context the call was run with.
   */
  onHedge?: (outcome: HedgeOutcome, ctx: PolicyContext, hedgeMs: number) => void;
  /** Wall clock, for the windows. Default `Date.now`. */
  now?: () => number;
}

/**
 * What the compiled call (`runStages`) asks of hedging; it runs the race
 * itself (see `stages.ts`), this holds the rule: when, and whether the
 * budget allows it.
 */
export interface Hedging {
  /** Once per call, before its first attempt: ms to wait before hedging it, or undefined (no hedge). */
  delay(): number | undefined;
  /** The delay is over and no answer came: takes a hedge from the budget, or false. */
  tryHedge(): boolean;
  /** An attempt that went out took `ms` (the `p95` mode's samples). */
  sample(ms: number, error: unknown): void;
  report(outcome: HedgeOutcome, ctx: PolicyContext, hedgeMs: number): void;
}

/** The window of the budget and of `p95`, in seconds (contract 5: "the last 10 s"). */
const WINDOW_S = 10;
/** `p95` hedges only once the window holds this many calls (contract 5). */
const P95_MIN_CALLS = 20;
/** How long a computed p95 is reused: merging the window per call would cost more than the hedge saves. */
const P95_REFRESH_MS = 250;

/**
 * Hedged requests ("The Tail at Scale", Dean and Barroso, 2013): when a
 * call has no answer after `after` ms, one more attempt goes out and the
 * first answer wins. The budget keeps hedges within `budgetPct` % of the
 * service's first attempts of the last 10 s, plus one, so hedging can add
 * at most that much load, whatever the latency does.
 */
export function hedgePolicy(options: HedgePolicyOptions): Hedging {
  const { after, budgetPct = 5, onHedge, now = Date.now } = options;
  // count: first attempts and hedges; flagged: the hedges.
  const budget = new RollingWindow({ seconds: WINDOW_S, latency: false, now });
  const latencies = after === "p95" ? new RollingWindow({ seconds: WINDOW_S, now }) : undefined;
  let p95: number | undefined;
  let p95At = Number.NEGATIVE_INFINITY;

  const recentP95 = (): number | undefined => {
    const at = now();
    if (at - p95At < P95_REFRESH_MS) return p95;
    p95At = at;
    const summary = (latencies as RollingWindow).summary();
    p95 =
      summary.count >= P95_MIN_CALLS && summary.latencyMs.p95 !== null ? summary.latencyMs.p95 : undefined;
    return p95;
  };

  return {
    delay() {
      budget.record(undefined, false, false);
      return after === "p95" ? recentP95() : after;
    },
    tryHedge() {
      const { count, flagged: hedges } = budget.summary();
      const firsts = count - hedges;
      if (hedges >= (firsts * budgetPct) / 100 + 1) return false;
      budget.record(undefined, false, true);
      return true;
    },
    sample(ms, error) {
      if (latencies !== undefined && wentOut(error)) latencies.record(ms, false, false);
    },
    report(outcome, ctx, hedgeMs) {
      onHedge?.(outcome, ctx, hedgeMs);
    },
  };
}

/** An attempt that reached the service: not abandoned, not refused before it went out. */
function wentOut(error: unknown): boolean {
  if (error === undefined || !isGatewayError(error)) return true;
  switch (error.code) {
    case "CLIENT_CLOSED":
    case "DEADLINE_EXCEEDED":
    case "BULKHEAD_FULL":
    case "CIRCUIT_OPEN":
    case "NO_INSTANCE":
      return false;
    default:
      return true;
  }
}
