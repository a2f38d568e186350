import { EventEmitter } from "node:events";
import CircuitBreaker from "opossum";
import { isAborted, type PolicyContext } from "../context.js";
import {
  CircuitOpenError,
  ClientClosedError,
  DeadlineExceededError,
  withoutStackTraces,
} from "../errors/index.js";
import { isAbandoned } from "./failures.js";
import { type Policy, stagedPolicy } from "./policy.js";

export type CircuitState = "closed" | "open" | "half-open";

/** What the breaker saw in its rolling window, for metrics and the dashboard. */
export interface CircuitSnapshot {
  readonly state: CircuitState;
  /**
   * Calls that settled in the window and were counted (`failures + successes`);
   * short-circuited and abandoned calls are not counted.
   */
  readonly calls: number;
  readonly failures: number;
  readonly successes: number;
  /** Calls short-circuited in the window. */
  readonly rejected: number;
  /** failures / calls, 0..100; 0 with no calls. */
  readonly errorPct: number;
}

export interface CircuitBreakerOptions {
  service: string;
  /** Rolling window length (`BREAKER_WINDOW_MS`). */
  windowMs: number;
  /** Counted calls the window must hold before it may open (`BREAKER_MIN_REQUESTS`). */
  minRequests: number;
  /** Opens at this failure percentage or more (`BREAKER_ERROR_PCT`). */
  errorPct: number;
  /** How long it stays open before one trial call (`BREAKER_OPEN_MS`). */
  openMs: number;
  /** What counts as a failure; everything else that settles counts as a success (unless ignored). */
  isFailure: (error: unknown) => boolean;
  /**
   * Outcomes counted neither way: the client went away, or the call never
   * started. Default `isAbandoned` (CLIENT_CLOSED, DEADLINE_EXCEEDED).
   */
  isIgnored?: (error: unknown) => boolean;
  /** Buckets the window is cut into. Default 10. */
  buckets?: number;
  /** The fleet's circuit for this service (`REDIS_URL`); without it the circuit is this instance's alone. */
  fleet?: FleetCircuitLink | undefined;
}

/** A decision about a service's circuit, as the instances of a fleet tell each other. */
export type FleetCircuitChange =
  | { readonly state: "open"; readonly remainingMs: number }
  | { readonly state: "closed" };

/**
 * What a breaker shares with the other instances of its fleet (contract
 * section 5): the state, not the counts. Nothing of it throws or waits
 * longer than Redis's command timeout; Redis away, the breaker acts alone.
 */
export interface FleetCircuitLink {
  /** Calls `apply` with each decision another instance tells; returns the unsubscribe. */
  listen(apply: (change: FleetCircuitChange) => void): () => void;
  /** Tells the others this instance's decision. */
  tell(change: FleetCircuitChange): void;
  /** Half-open: claims the fleet's one trial call; false when another instance holds it. */
  claimTrial(): Promise<boolean>;
  /** The trial this instance held has settled (its outcome is told separately). */
  releaseTrial(): void;
}

export interface CircuitBreakerPolicy extends Policy {
  readonly state: CircuitState;
  snapshot(): CircuitSnapshot;
  /** Subscribes to state changes; returns the unsubscribe function. */
  onStateChange(listener: (state: CircuitState) => void): () => void;
  /** Stops its timers. */
  dispose(): void;
}

interface Bucket {
  successes: number;
  failures: number;
  rejected: number;
}

const emptyBucket = (): Bucket => ({ successes: 0, failures: 0, rejected: 0 });

/**
 * A Hystrix-style circuit breaker per upstream service. opossum (a
 * maintained port of Hystrix) holds the state and runs the open period;
 * this policy's stage lets a call through or refuses it, lets exactly one
 * trial through a half-open circuit, and closes (trial succeeded) or
 * reopens (trial failed or abandoned) it.
 *
 * The decision to open is ours, from a rolling window of our own, because
 * opossum's counts do not match the contract: they include calls still in
 * flight and calls the client abandoned, they open strictly above the
 * percentage (the contract: at or above), and they are only checked on a
 * failure. Here only settled, counted calls are in the window, it is checked
 * after each of them, and it is emptied when the circuit closes (a fresh
 * window after a successful trial).
 */
export function circuitBreakerPolicy(options: CircuitBreakerOptions): CircuitBreakerPolicy {
  const {
    service,
    windowMs,
    minRequests,
    errorPct,
    openMs,
    isFailure,
    isIgnored = isAbandoned,
    buckets: bucketCount = 10,
    fleet,
  } = options;
  const buckets = Math.max(1, Math.floor(bucketCount));
  const window: Bucket[] = Array.from({ length: buckets }, emptyBucket);
  // opossum keeps its own (unused) window, which grows unless rotated too.
  const rotation = new EventEmitter();
  const rotate = () => {
    window.pop();
    window.unshift(emptyBucket());
    rotation.emit("rotate");
  };
  const ticker = setInterval(rotate, Math.max(1, Math.floor(windowMs / buckets)));
  ticker.unref();

  // opossum runs the states and the open period (its reset timer moves an
  // open circuit to half-open); every call is let through or refused by
  // this policy's stage, and every transition is decided here.
  const breaker = new CircuitBreaker(async () => undefined, {
    name: service,
    timeout: false,
    resetTimeout: openMs,
    rollingCountTimeout: windowMs,
    rollingCountBuckets: buckets,
    volumeThreshold: Number.MAX_SAFE_INTEGER,
    rotateBucketController: rotation,
    enableSnapshots: false,
    rollingPercentilesEnabled: false,
  });

  let openedAt = 0;
  const listeners = new Set<(state: CircuitState) => void>();
  const notify = (state: CircuitState) => {
    for (const listener of listeners) listener(state);
  };
  // Applying another instance's decision: it is not told back to the fleet.
  let applying = false;
  // The fleet's half-open trial: this instance's to make ("mine"), another's, or being claimed.
  let fleetTrial: "none" | "claiming" | "mine" | "elsewhere" = "none";
  let reclaim: NodeJS.Timeout | undefined;
  const claimTrial = (link: FleetCircuitLink) => {
    fleetTrial = "claiming";
    link.claimTrial().then((mine) => {
      if (!breaker.halfOpen || fleetTrial !== "claiming") return;
      fleetTrial = mine ? "mine" : "elsewhere";
      if (mine) return;
      // The holder tells how its trial went; if it died instead, its claim expires and the trial is claimed again.
      reclaim = setTimeout(() => {
        if (breaker.halfOpen && fleetTrial === "elsewhere") claimTrial(link);
      }, openMs);
      reclaim.unref();
    });
  };
  const leaveTrial = () => {
    fleetTrial = "none";
    clearTimeout(reclaim);
  };
  breaker.on("open", () => {
    openedAt = performance.now();
    leaveTrial();
    if (!applying) fleet?.tell({ state: "open", remainingMs: openMs });
    notify("open");
  });
  breaker.on("halfOpen", () => {
    if (fleet !== undefined) claimTrial(fleet);
    notify("half-open");
  });
  breaker.on("close", () => {
    for (let i = 0; i < buckets; i++) window[i] = emptyBucket();
    leaveTrial();
    if (!applying) fleet?.tell({ state: "closed" });
    notify("closed");
  });
  const unlisten = fleet?.listen((change) => {
    applying = true;
    try {
      if (change.state === "closed") {
        if (!breaker.closed) breaker.close();
      } else if (change.remainingMs > 0 && !breaker.opened) {
        breaker.open();
        // Retry-After counts down to the fleet's end of the open period, not a fresh one.
        openedAt = performance.now() - Math.max(0, openMs - change.remainingMs);
      }
    } finally {
      applying = false;
    }
  });

  const stateOf = (): CircuitState => (breaker.halfOpen ? "half-open" : breaker.opened ? "open" : "closed");

  const totals = (): Bucket => {
    const sum = emptyBucket();
    for (const bucket of window) {
      sum.successes += bucket.successes;
      sum.failures += bucket.failures;
      sum.rejected += bucket.rejected;
    }
    return sum;
  };

  const record = (outcome: "successes" | "failures" | "rejected") => {
    const head = window[0];
    if (head !== undefined) head[outcome]++;
    if (outcome === "rejected" || !breaker.closed) return;
    const { successes, failures } = totals();
    const calls = successes + failures;
    if (calls >= minRequests && failures * 100 >= errorPct * calls) breaker.open();
  };

  const shortCircuited = (): CircuitOpenError => {
    record("rejected");
    const retryAfterS = Math.max(1, Math.ceil((openedAt + openMs - performance.now()) / 1000));
    return withoutStackTraces(() => new CircuitOpenError(service, retryAfterS));
  };

  // The half-open circuit's single trial: held from its `enter` to its `leave`.
  let trialInFlight = false;
  const TRIAL = true;
  const policy = stagedPolicy({
    enter(ctx: PolicyContext): boolean {
      // A call that cannot start must not take the half-open trial's place.
      if (isAborted(ctx)) throw new ClientClosedError();
      if (ctx.deadline - performance.now() <= 0) throw new DeadlineExceededError(service);
      if (breaker.closed) return false;
      if (breaker.opened || trialInFlight) throw shortCircuited();
      // Half-open in a fleet: only the instance holding the fleet's trial makes it.
      if (fleet !== undefined && fleetTrial !== "mine") throw shortCircuited();
      trialInFlight = true;
      return TRIAL;
    },
    leave(failed: boolean, error: unknown, trial: unknown): void {
      const ignored = failed && isIgnored(error);
      const success = !failed || (!ignored && !isFailure(error));
      if (trial === TRIAL) {
        trialInFlight = false;
        fleet?.releaseTrial();
        // Only a success closes; a failure, or a trial abandoned (which proved nothing), reopens.
        if (success) breaker.close();
        else breaker.open();
      }
      if (!ignored) record(success ? "successes" : "failures");
    },
  });

  return {
    get state() {
      return stateOf();
    },
    stage: policy.stage,
    execute: policy.execute,
    snapshot(): CircuitSnapshot {
      const { successes, failures, rejected } = totals();
      const calls = successes + failures;
      return {
        state: stateOf(),
        calls,
        failures,
        successes,
        rejected,
        errorPct: calls > 0 ? (failures / calls) * 100 : 0,
      };
    },
    onStateChange(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    dispose() {
      clearInterval(ticker);
      clearTimeout(reclaim);
      unlisten?.();
      breaker.shutdown();
    },
  };
}
