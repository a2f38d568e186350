import { Cancellation } from "./cancellation.js";
import type { CompositionSink } from "./compose/composition-sink.js";
import { RandomPool } from "./random-pool.js";

/** Who is calling: set by authentication middleware, absent for anonymous callers. */
export interface Identity {
  /** The signed-in customer (the JWT `sub`). */
  readonly customerId?: string;
  /** The partner behind an API key. */
  readonly partner?: string;
}

/** Per-service time spent upstream, rendered as the `Server-Timing` header. */
export class ServerTimings {
  readonly #entries = new Map<string, number>();
  // The header is read twice per request (the answer, the log line): built once.
  #header: string | undefined;

  record(service: string, durationMs: number): void {
    this.#entries.set(service, (this.#entries.get(service) ?? 0) + durationMs);
    this.#header = undefined;
  }

  get size(): number {
    return this.#entries.size;
  }

  entries(): IterableIterator<[string, number]> {
    return this.#entries.entries();
  }

  /** `catalog;dur=12.4, pricing;dur=3.1`, or undefined when nothing was called. */
  header(): string | undefined {
    if (this.#entries.size === 0 || this.#header !== undefined) return this.#header;
    let header = "";
    for (const [service, ms] of this.#entries) {
      header += `${header === "" ? "" : ", "}${service};dur=${ms.toFixed(1)}`;
    }
    this.#header = header;
    return header;
  }
}

/** W3C trace context: the trace continues from the client's `traceparent` or starts here. */
export interface TraceContext {
  readonly traceId: string;
  /** The span id this gateway uses as parent of its upstream calls. */
  readonly spanId: string;
  readonly flags: string;
}

/** What the resilience policies need: when to give up, and how to be told to stop. */
export interface PolicyContext {
  readonly signal: AbortSignal;
  /** Absolute deadline on the `performance.now()` clock. */
  readonly deadline: number;
  /**
   * The context's stop, when it has one (a request's context from the edge,
   * an attempt's from the call pipeline): `signal` is then made from it on
   * first read, so code on the hot path listens here, or asks
   * `isAborted(ctx)` instead of `ctx.signal.aborted`.
   */
  readonly cancellation?: Cancellation | undefined;
}

/** Whether `ctx` was told to stop, without making a signal it has not made yet. */
export function isAborted(ctx: PolicyContext): boolean {
  return ctx.cancellation === undefined ? ctx.signal.aborted : ctx.cancellation.aborted;
}

/** The context a call pipeline hands its stages and attempts: the signal is made only if read. */
export class CallContext implements PolicyContext {
  constructor(
    readonly cancellation: Cancellation,
    readonly deadline: number,
  ) {}

  get signal(): AbortSignal {
    return this.cancellation.signal;
  }
}

/**
 * Everything one client request carries through the gateway. It is passed
 * explicitly to every upstream call; nothing about a request lives in module state.
 */
export interface RequestContext extends PolicyContext {
  readonly requestId: string;
  readonly identity: Identity | undefined;
  readonly trace: TraceContext;
  readonly timings: ServerTimings;
  /**
   * Told how each of the request's compositions came out (parts, `degraded`):
   * set by the edge for every observed request (`Edge`), read by `Composition.run`.
   * Absent when nothing observes the request.
   */
  readonly compositions?: CompositionSink | undefined;
}

// Entropy only, no request state: sharing one pool in the process is safe.
const random = new RandomPool();

const REQUEST_ID = /^[A-Za-z0-9._-]{1,128}$/;
// version-traceid-parentid-flags; a later version may append fields after a "-".
const TRACEPARENT = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})(-.*)?$/;

/** The caller's request id when it is well formed, else a fresh one. */
export function acceptRequestId(candidate: string | undefined): string {
  return candidate !== undefined && REQUEST_ID.test(candidate) ? candidate : newRequestId();
}

export function newRequestId(): string {
  return random.base64url(12);
}

/** Continues a valid `traceparent` (new span, same trace) or starts a new trace. */
export function continueTrace(traceparent: string | undefined): TraceContext {
  const match = traceparent === undefined ? null : TRACEPARENT.exec(traceparent.trim());
  const spanId = random.hex(8);
  if (match) {
    const [, version = "", traceId = "", parentId = "", flags = "", rest] = match;
    // W3C: version ff is invalid, version 00 has nothing after the flags, all-zero ids are invalid.
    const versionOk = version !== "ff" && (version !== "00" || rest === undefined);
    if (versionOk && !/^0+$/.test(traceId) && !/^0+$/.test(parentId)) {
      return { traceId, spanId, flags };
    }
  }
  return { traceId: random.hex(16), spanId, flags: "01" };
}

export function traceparentOf(trace: TraceContext): string {
  return `00-${trace.traceId}-${trace.spanId}-${trace.flags}`;
}

export interface CreateContextOptions {
  requestId?: string;
  deadlineMs: number;
  /**
   * The request's stop when it has a standard signal already. Without it
   * the context gets a `cancellation` (abort it when the client leaves),
   * and its `signal` is made only if something reads it.
   */
  signal?: AbortSignal;
  /** The request's cancellation, aborted when the client leaves (the edge's). */
  cancellation?: Cancellation;
  identity?: Identity;
  traceparent?: string;
  /** Told how the request's compositions came out (the edge's observer). */
  compositions?: CompositionSink;
}

export function createRequestContext(options: CreateContextOptions): RequestContext {
  const requestId = options.requestId ?? newRequestId();
  const deadline = performance.now() + options.deadlineMs;
  const trace = continueTrace(options.traceparent);
  const timings = new ServerTimings();
  if (options.signal !== undefined && options.cancellation === undefined) {
    return {
      requestId,
      deadline,
      signal: options.signal,
      identity: options.identity,
      trace,
      timings,
      compositions: options.compositions,
    };
  }
  return lazyContext(
    requestId,
    deadline,
    options.cancellation ?? new Cancellation(),
    options.identity,
    trace,
    timings,
    options.compositions,
  );
}

/**
 * A request context whose `signal` is its cancellation's, made on first
 * read: an AbortSignal per request (an EventTarget, and its listeners) cost
 * a tenth of a pass-through's CPU, most of it in the garbage collector, and
 * most requests never need one (docs/performance.md). A class, not a
 * literal with a getter (which V8 builds far slower): derive a copy with
 * `withIdentity` or `withCancellation`; a spread would lose `signal`.
 */
class LazyRequestContext implements RequestContext {
  constructor(
    readonly requestId: string,
    readonly deadline: number,
    readonly cancellation: Cancellation,
    readonly identity: Identity | undefined,
    readonly trace: TraceContext,
    readonly timings: ServerTimings,
    readonly compositions: CompositionSink | undefined,
  ) {}

  get signal(): AbortSignal {
    return this.cancellation.signal;
  }
}

function lazyContext(
  requestId: string,
  deadline: number,
  cancellation: Cancellation,
  identity: Identity | undefined,
  trace: TraceContext,
  timings: ServerTimings,
  compositions: CompositionSink | undefined,
): RequestContext {
  return new LazyRequestContext(requestId, deadline, cancellation, identity, trace, timings, compositions);
}

/**
 * A copy of `ctx` with `changes`; a lazy signal stays lazy (a spread would
 * read it, and make it).
 */
function derived(
  ctx: RequestContext,
  changes: { identity?: Identity | undefined; cancellation?: Cancellation; trace?: TraceContext },
): RequestContext {
  const cancellation =
    changes.cancellation ?? (ctx instanceof LazyRequestContext ? ctx.cancellation : undefined);
  // A plain context (its signal a field): a spread copies all of it.
  if (cancellation === undefined) return { ...ctx, ...changes };
  return lazyContext(
    ctx.requestId,
    ctx.deadline,
    cancellation,
    "identity" in changes ? changes.identity : ctx.identity,
    changes.trace ?? ctx.trace,
    ctx.timings,
    ctx.compositions,
  );
}

/** A copy of `ctx` with another identity (the context itself is never mutated). */
export function withIdentity(ctx: RequestContext, identity: Identity | undefined): RequestContext {
  return derived(ctx, { identity });
}

/** A copy of `ctx` whose stop is `cancellation`, e.g. one a composition aborts when a required part fails. */
export function withCancellation(ctx: RequestContext, cancellation: Cancellation): RequestContext {
  return derived(ctx, { cancellation });
}

/** A copy of `ctx` whose trace is `trace` (a span's: the request's SERVER span, a part's span). */
export function withTrace(ctx: RequestContext, trace: TraceContext): RequestContext {
  return derived(ctx, { trace });
}

/** A copy of `ctx` with another signal (and so no cancellation: the signal is its stop). */
export function withSignal<C extends PolicyContext>(ctx: C, signal: AbortSignal): C {
  // Fields only (a request context's `signal` may live on its prototype): the new signal is the stop.
  return { ...ctx, signal, cancellation: undefined };
}

export function remainingMs(ctx: PolicyContext): number {
  return ctx.deadline - performance.now();
}
