import type { z } from "zod";
import type { CacheStore } from "../cache/cache-store.js";
import type { SingleFlight } from "../cache/single-flight.js";
import type { Cancellation, Stop } from "../cancellation.js";
import {
  isAborted,
  type PolicyContext,
  type RequestContext,
  type TraceContext,
  traceparentOf,
} from "../context.js";
import type { LoadBalancer } from "../discovery/load-balancer.js";
import type { ServiceInstance } from "../discovery/service-registry.js";
import {
  GatewayError,
  UpstreamBadResponseError,
  UpstreamNotFoundError,
  UpstreamRejectedError,
  UpstreamStatusError,
  UpstreamWriteRejectedError,
} from "../errors/index.js";
import type { BulkheadPolicy } from "../resilience/bulkhead-policy.js";
import type { CircuitBreakerPolicy } from "../resilience/circuit-breaker-policy.js";
import type { Pipeline } from "../resilience/policy.js";
import type { AttemptSpan, AttemptTracer } from "./attempt-tracer.js";
import { type Generation, LocalReadGenerations, type ReadGenerations } from "./read-generations.js";
import {
  PipelineRequest,
  queryString,
  type StreamResponse,
  type Transport,
  type TransportRequest,
  type TransportResponse,
  type WriteMethod,
} from "./transport.js";
import { outcomeOf, type UpstreamObserver } from "./upstream-observer.js";

export interface ServiceClientOptions {
  service: string;
  balancer: LoadBalancer;
  transport: Transport;
  /** The resilience pipeline of reads, composed once (see `createUpstreamPolicy`). */
  policy: Pipeline;
  /**
   * The pipeline of writes (`send`), composed once over the same breaker
   * and bulkhead as `policy`; it retries only a refused connection.
   */
  writePolicy: Pipeline;
  /**
   * The pipeline of the pass-through (`stream`): never hedged. Default
   * `policy` (right when reads are not hedged).
   */
  streamPolicy?: Pipeline | undefined;
  breaker: CircuitBreakerPolicy;
  bulkhead: BulkheadPolicy;
  singleFlight: SingleFlight;
  /**
   * The service's generations of reads: part of every coalescing and
   * fresh-cache key, and moved on by every write, so that a read after a
   * write shares nothing with the reads before it. Default: this client's
   * own (`LocalReadGenerations`); a gateway passes one for all its clients,
   * the fleet's with `REDIS_URL`.
   */
  generations?: ReadGenerations | undefined;
  /** Opt-in fresh cache (`<SERVICE>_CACHE_TTL_S`); a hit is not degraded. */
  freshCache?: { store: CacheStore; ttlS: number } | undefined;
  /** Told of every call and attempt (metrics, logs, load balancing). */
  observer?: UpstreamObserver | undefined;
  /**
   * Opens a CLIENT span per attempt when spans are exported
   * (`OTEL_EXPORTER_OTLP_ENDPOINT`); each attempt then sends its own
   * `traceparent`, naming its span. Without it, nothing is traced.
   */
  tracer?: AttemptTracer | undefined;
  /**
   * GETs coalesced across the fleet's instances too (`REDIS_URL`), each
   * instance's callers being one already; an instance waits up to
   * `waitMs` (the service's timeout, within its deadline) for another's
   * call before making its own.
   */
  fleet?: { readonly flight: SharedFlight; readonly waitMs: number } | undefined;
}

/**
 * Coalesces identical GETs across the instances of a fleet (contract
 * section 5; `FleetFlight` over Redis): `call` is made by one instance per
 * `key` while it is in flight, and the others take its answer if `accept`
 * (their own validation) returns it, else make their own call; so do they
 * past `waitMs`, or at once when the fleet cannot be reached.
 */
export interface SharedFlight {
  run<T>(
    key: string,
    waitMs: number,
    stop: Stop,
    call: () => Promise<T>,
    accept: (value: unknown) => T | undefined,
  ): Promise<T>;
}

export interface GetOptions {
  readonly query?: Readonly<Record<string, string | number>>;
}

export interface StreamOptions extends GetOptions {
  /** Extra request headers (e.g. `X-Forwarded-*`); the request id and trace are always sent. */
  readonly headers?: Readonly<Record<string, string>>;
}

export interface SendOptions<S extends z.ZodType> {
  /** The JSON body, sent with `content-type: application/json`; none when undefined. */
  readonly body?: unknown;
  /**
   * Extra request headers, e.g. `Idempotency-Key` (names are sent in lower
   * case); the request id and trace context are always sent.
   */
  readonly headers?: Readonly<Record<string, string>>;
  /** The shape of a 2xx answer; another shape is `UPSTREAM_BAD_RESPONSE`, a failure. */
  readonly schema: S;
}

/**
 * Statuses a write's upstream may answer that are not relayed to the
 * client as they are: they speak of the BFF's own credentials or quota
 * towards the service, not of the client's request (502, `UPSTREAM_REJECTED`).
 */
/** The options of a GET that has none: one object, not one per call. */
const NO_OPTIONS: GetOptions = Object.freeze({});

const NOT_RELAYED: ReadonlySet<number> = new Set([401, 403, 407, 429]);

/**
 * A typed client for one upstream service. Each GET is coalesced with
 * identical ones in flight, then run through the resilience pipeline, sent
 * to an instance picked by the load balancer, and its answer validated
 * against `schema` before anyone trusts it. Writes (`send`) are never
 * coalesced or cached, and are retried only when nothing was sent.
 */
export class ServiceClient {
  readonly service: string;
  readonly breaker: CircuitBreakerPolicy;
  readonly bulkhead: BulkheadPolicy;
  readonly #options: ServiceClientOptions;
  readonly #streamPolicy: Pipeline;
  readonly #onJoin: () => void;
  readonly #generations: ReadGenerations;
  /** The service's current generation of reads, read by every GET. */
  readonly #generation: Generation;

  constructor(options: ServiceClientOptions) {
    this.service = options.service;
    this.breaker = options.breaker;
    this.bulkhead = options.bulkhead;
    this.#options = options;
    this.#streamPolicy = options.streamPolicy ?? options.policy;
    this.#onJoin = () => options.observer?.coalesced?.(options.service);
    this.#generations = options.generations ?? new LocalReadGenerations();
    this.#generation = this.#generations.current(options.service);
  }

  /** GETs `path` (segments encoded with `encodePath`) and validates the JSON answer. */
  get<S extends z.ZodType>(
    ctx: RequestContext,
    path: string,
    schema: S,
    options: GetOptions = NO_OPTIONS,
  ): Promise<z.output<S>> {
    // The generation: a read after a write joins no call and no cache entry from before it.
    const key = `${this.service} ${this.#generation.value} ${path}${queryString(options.query)}`;
    const fresh = this.#options.freshCache;
    if (fresh !== undefined) return this.#getThroughCache(ctx, key, path, schema, options, fresh);
    return this.#getFresh(ctx, key, path, schema, options);
  }

  /** A GET with a fresh cache (`<SERVICE>_CACHE_TTL_S`): a hit is not a call; a miss is stored. */
  async #getThroughCache<S extends z.ZodType>(
    ctx: RequestContext,
    key: string,
    path: string,
    schema: S,
    options: GetOptions,
    fresh: { store: CacheStore; ttlS: number },
  ): Promise<z.output<S>> {
    // A store that fails, even by throwing synchronously, is a miss.
    const hit = await Promise.resolve()
      .then(() => fresh.store.get<z.output<S>>(key))
      .catch(() => undefined);
    this.#options.observer?.cacheLookup?.(this.service, hit !== undefined, "fresh");
    if (hit !== undefined) return hit;
    const value = await this.#getFresh(ctx, key, path, schema, options);
    Promise.resolve()
      .then(() => fresh.store.set(key, value, fresh.ttlS))
      .catch(() => {});
    return value;
  }

  /**
   * The call itself, coalesced, timed into `Server-Timing`. Not an async
   * function: on every upstream GET, its generator object was the largest
   * allocation of the call pipeline (a heap profile, docs/performance.md).
   */
  #getFresh<S extends z.ZodType>(
    ctx: RequestContext,
    key: string,
    path: string,
    schema: S,
    options: GetOptions,
  ): Promise<z.output<S>> {
    const started = performance.now();
    const fleet = this.#options.fleet;
    // While the circuit is open nothing goes upstream, so there is no call to
    // share: the breaker answers at once, without coalescing's per-call signal.
    const call: Promise<z.output<S>> =
      this.breaker.state === "open"
        ? this.#call(ctx, undefined, path, schema, options)
        : this.#options.singleFlight.do(
            key,
            ctx.cancellation ?? ctx.signal,
            fleet === undefined
              ? (cancellation) => this.#call(ctx, cancellation, path, schema, options)
              : (cancellation) => this.#fleetCall(fleet, ctx, cancellation, key, path, schema, options),
            this.#onJoin,
          );
    return this.#timed(ctx, started, call);
  }

  /** This instance's call for `key`, coalesced with the fleet's: made here, or taken from another instance's. */
  #fleetCall<S extends z.ZodType>(
    fleet: NonNullable<ServiceClientOptions["fleet"]>,
    ctx: RequestContext,
    cancellation: Cancellation,
    key: string,
    path: string,
    schema: S,
    options: GetOptions,
  ): Promise<z.output<S>> {
    const waitMs = Math.min(fleet.waitMs, ctx.deadline - performance.now());
    return fleet.flight.run(
      `GET ${key}`,
      waitMs,
      cancellation,
      () => this.#call(ctx, cancellation, path, schema, options),
      (value) => {
        // Another instance's answer is trusted no more than an upstream's.
        const parsed = schema.safeParse(value);
        return parsed.success ? (parsed.data as z.output<S>) : undefined;
      },
    );
  }

  /**
   * Sends one write (`POST`, `PUT`, `DELETE`; path segments encoded with
   * `encodePath`) through the write pipeline: bulkhead, breaker and timeout
   * shared with reads, retried only when the connection was refused before
   * anything was sent (another instance is tried first). Never coalesced,
   * never cached. The request id, trace context and `headers` (e.g.
   * `Idempotency-Key`) are forwarded.
   *
   * A 2xx answer is validated against `schema`; a 404 is
   * `UpstreamNotFoundError` and another 4xx `UpstreamWriteRejectedError`
   * (the upstream's status and reason, relayed as they are), both answers
   * for the breaker; a 5xx is `UpstreamStatusError`, a failure.
   *
   * When it settles, however it went, the service's reads start a new
   * generation (`ReadGenerations`; the fleet's with `REDIS_URL`, told before
   * the write answers): a read that starts after the write joins no call in
   * flight and no fresh-cache entry from before it, so it sees the write.
   *
   * @example
   * const cart = await clients.cart.send(ctx, "PUT", encodePath`/carts/${c}/items/${p}`, {
   *   body: { quantity: 2 },
   *   schema: cartSchema,
   * });
   */
  async send<S extends z.ZodType>(
    ctx: RequestContext,
    method: WriteMethod,
    path: string,
    options: SendOptions<S>,
  ): Promise<z.output<S>> {
    const started = performance.now();
    const headers: Record<string, string> = {};
    if (options.headers !== undefined) {
      for (const [name, value] of Object.entries(options.headers)) headers[name.toLowerCase()] = value;
    }
    headers.accept = "application/json";
    headers["x-request-id"] = ctx.requestId;
    headers.traceparent = traceparentOf(ctx.trace);
    try {
      return await this.#run(ctx, this.#options.writePolicy, (attemptCtx, instance) =>
        this.#writeAttempt(attemptCtx, instance, method, path, options, headers, ctx.trace),
      );
    } finally {
      ctx.timings.record(this.service, performance.now() - started);
      // A failed or timed-out write may have happened too: a new generation on every outcome.
      await this.#generations.written(this.service);
    }
  }

  /**
   * Opens a streamed GET for a pass-through route. The resilience pipeline
   * (retry, bulkhead, breaker, timeout; never hedged) covers the call until the status and
   * headers arrive; a 5xx is a failure, a 2xx or 4xx is relayed as it is.
   * The caller owns the body: it must consume or destroy it.
   */
  stream(ctx: RequestContext, path: string, options: StreamOptions = {}): Promise<StreamResponse> {
    const transport = this.#options.transport;
    if (!canStream(transport))
      return Promise.reject(new GatewayError("INTERNAL", `The ${this.service} service cannot be streamed`));
    const started = performance.now();
    const headers = {
      ...options.headers,
      "x-request-id": ctx.requestId,
      traceparent: traceparentOf(ctx.trace),
    };
    // Promise handlers rather than async functions: see #getFresh.
    return this.#run(
      ctx,
      this.#streamPolicy,
      (attemptCtx, instance) =>
        this.#streamAttempt(transport, attemptCtx, instance, path, options.query, headers, ctx.trace),
      undefined,
      started,
    );
  }

  /** `call`, its time since `started` recorded into `Server-Timing` however it settles. */
  #timed<T>(ctx: RequestContext, started: number, call: Promise<T>): Promise<T> {
    return call.then(
      (value) => {
        ctx.timings.record(this.service, performance.now() - started);
        return value;
      },
      (error: unknown) => {
        ctx.timings.record(this.service, performance.now() - started);
        throw error;
      },
    );
  }

  /**
   * One streamed attempt: it ends with the status and headers (the body is
   * the caller's), so balancers and ejection learn its outcome then.
   */
  #streamAttempt(
    transport: StreamingTransport,
    attemptCtx: PolicyContext,
    instance: ServiceInstance,
    path: string,
    query: TransportRequest["query"],
    headers: Readonly<Record<string, string>>,
    trace: TraceContext,
  ): Promise<StreamResponse> {
    const attemptStarted = performance.now();
    const tracer = this.#options.tracer;
    const span =
      tracer === undefined ? undefined : tracer.start(trace, "GET", instance, path, query, headers);
    const sent = span === undefined ? headers : span.headers;
    let opened: Promise<StreamResponse>;
    try {
      opened = transport.stream(this.#request(attemptCtx, instance, path, query, sent));
    } catch (error) {
      opened = Promise.reject(error);
    }
    return opened.then(
      (answer) => {
        span?.answered(answer);
        if (answer.status >= 500) {
          if (answer.whole === undefined) {
            // Nobody reads this body: a destroyed stream without an 'error' listener crashes the process.
            answer.body.on("error", () => {});
            answer.body.destroy();
          }
          const failure = new UpstreamStatusError(this.service, answer.status);
          this.#reportAttempt(attemptCtx, instance, attemptStarted, answer.status, failure, span);
          throw failure;
        }
        this.#reportAttempt(attemptCtx, instance, attemptStarted, answer.status, undefined, span);
        return answer;
      },
      (error: unknown) => {
        this.#reportAttempt(attemptCtx, instance, attemptStarted, undefined, error, span);
        throw error;
      },
    );
  }

  /**
   * One call: the pipeline composed when the client was built runs its
   * attempts; `cancellation` (the coalesced call's own) is the only one the
   * attempts need, and their timeout aborts it.
   */
  #call<S extends z.ZodType>(
    ctx: RequestContext,
    cancellation: Cancellation | undefined,
    path: string,
    schema: S,
    options: GetOptions,
  ): Promise<z.output<S>> {
    const headers = {
      accept: "application/json",
      "x-request-id": ctx.requestId,
      traceparent: traceparentOf(ctx.trace),
    };
    return this.#run(
      ctx,
      this.#options.policy,
      (attemptCtx, instance) =>
        this.#attempt(attemptCtx, instance, path, schema, options, headers, ctx.trace),
      cancellation,
    );
  }

  /**
   * Runs one call through `pipeline` (composed once, when the client was
   * built): each attempt goes to an instance the balancer picks (a retry to
   * one this call has not tried, when there is one), and the observer is
   * told how the call ended. `cancellation` is the coalesced call's, when
   * there is one; otherwise the call follows the request's signal. With
   * `timedFrom`, the call is also recorded into the request's
   * `Server-Timing` from then (what `#timed` does, in the same handler).
   */
  #run<T>(
    ctx: RequestContext,
    pipeline: Pipeline,
    attempt: (attemptCtx: PolicyContext, instance: ServiceInstance) => Promise<T>,
    cancellation?: Cancellation,
    timedFrom?: number,
  ): Promise<T> {
    const observer = this.#options.observer?.call === undefined ? undefined : this.#options.observer;
    const started = performance.now();
    // Instances this call tried, made on a retry only.
    let tried: Set<string> | undefined;
    let last: string | undefined;
    let call: Promise<T>;
    try {
      call = pipeline.execute(
        (attemptCtx) => {
          if (last !== undefined) {
            tried ??= new Set();
            tried.add(last);
          }
          const instance = this.#options.balancer.pick(tried === undefined ? undefined : { avoid: tried });
          last = instance.id;
          return attempt(attemptCtx, instance);
        },
        ctx,
        cancellation,
      );
    } catch (error) {
      call = Promise.reject(error);
    }
    if (observer === undefined && timedFrom === undefined) return call;
    // Promise handlers rather than an async function: see #getFresh.
    return call.then(
      (value) => {
        const ended = performance.now();
        if (timedFrom !== undefined) ctx.timings.record(this.service, ended - timedFrom);
        observer?.call?.({ service: this.service, outcome: "ok", durationMs: ended - started });
        return value;
      },
      (error: unknown) => {
        if (timedFrom !== undefined) ctx.timings.record(this.service, performance.now() - timedFrom);
        observer?.call?.({
          service: this.service,
          outcome: outcomeOf(error),
          durationMs: performance.now() - started,
          error,
        });
        throw error;
      },
    );
  }

  /**
   * Tells the observer how one attempt at `instance` ended: ok (no
   * `error`), or failed; and ends its span, when it has one.
   */
  #reportAttempt(
    attemptCtx: PolicyContext,
    instance: ServiceInstance,
    started: number,
    status: number | undefined,
    error?: unknown,
    span?: AttemptSpan,
  ): void {
    if (span !== undefined)
      span.end(error === undefined || !isAborted(attemptCtx) ? error : reasonOf(attemptCtx));
    const observer = this.#options.observer;
    if (observer?.attempt === undefined) return;
    const durationMs = performance.now() - started;
    if (error === undefined) {
      observer.attempt({
        service: this.service,
        instance,
        outcome: "ok",
        durationMs,
        status: status as number,
      });
      return;
    }
    // A timed-out attempt is aborted with the timeout as the reason.
    const cause: unknown = isAborted(attemptCtx) ? reasonOf(attemptCtx) : error;
    const event = { service: this.service, instance, outcome: outcomeOf(cause), durationMs, error: cause };
    observer.attempt(status === undefined ? event : { ...event, status });
  }

  /** What an attempt hands the transport: the attempt's cancellation and deadline when the pipeline made one. */
  #request(
    attemptCtx: PolicyContext,
    instance: ServiceInstance,
    path: string,
    query: TransportRequest["query"],
    headers: Readonly<Record<string, string>>,
  ): TransportRequest {
    const cancellation = attemptCtx.cancellation;
    return cancellation === undefined
      ? { service: this.service, baseUrl: instance.url, path, query, headers, signal: attemptCtx.signal }
      : new PipelineRequest(
          this.service,
          instance.url,
          path,
          query,
          headers,
          cancellation,
          attemptCtx.deadline,
        );
  }

  /** One attempt at one instance: send, classify the status, validate the answer, report. */
  #attempt<S extends z.ZodType>(
    attemptCtx: PolicyContext,
    instance: ServiceInstance,
    path: string,
    schema: S,
    options: GetOptions,
    headers: Readonly<Record<string, string>>,
    trace: TraceContext,
  ): Promise<z.output<S>> {
    const started = performance.now();
    const tracer = this.#options.tracer;
    let span: AttemptSpan | undefined;
    if (tracer !== undefined) {
      span = tracer.start(trace, "GET", instance, path, options.query, headers);
      headers = span.headers;
    }
    let sent: Promise<TransportResponse>;
    try {
      sent = this.#options.transport.get(this.#request(attemptCtx, instance, path, options.query, headers));
    } catch (error) {
      sent = Promise.reject(error);
    }
    // Promise handlers rather than an async function: see #getFresh.
    return sent.then(
      (response) => {
        const status = response.status;
        let value: z.output<S>;
        try {
          span?.answered(response);
          value = this.#answer(status, response.body, schema);
        } catch (error) {
          this.#reportAttempt(attemptCtx, instance, started, status, error, span);
          throw error;
        }
        this.#reportAttempt(attemptCtx, instance, started, status, undefined, span);
        return value;
      },
      (error: unknown) => {
        this.#reportAttempt(attemptCtx, instance, started, undefined, error, span);
        throw error;
      },
    );
  }

  /** One write at one instance: send, classify the status, validate the answer, report. */
  async #writeAttempt<S extends z.ZodType>(
    attemptCtx: PolicyContext,
    instance: ServiceInstance,
    method: WriteMethod,
    path: string,
    options: SendOptions<S>,
    headers: Readonly<Record<string, string>>,
    trace: TraceContext,
  ): Promise<z.output<S>> {
    const started = performance.now();
    const tracer = this.#options.tracer;
    let span: AttemptSpan | undefined;
    if (tracer !== undefined) {
      span = tracer.start(trace, method, instance, path, undefined, headers);
      headers = span.headers;
    }
    let status: number | undefined;
    try {
      const response = await this.#options.transport.send({
        service: this.service,
        baseUrl: instance.url,
        path,
        method,
        body: options.body,
        headers,
        signal: attemptCtx.signal,
        cancellation: attemptCtx.cancellation,
        deadline: attemptCtx.deadline,
      });
      status = response.status;
      span?.answered(response);
      const value = this.#writeAnswer(status, response.body, options.schema);
      this.#reportAttempt(attemptCtx, instance, started, status, undefined, span);
      return value;
    } catch (error) {
      this.#reportAttempt(attemptCtx, instance, started, status, error, span);
      throw error;
    }
  }

  /** What a write's answer means: the service's refusal (relayed), a failure, or a body matching `schema`. */
  #writeAnswer<S extends z.ZodType>(status: number, body: unknown, schema: S): z.output<S> {
    if (status >= 200 && status < 300) {
      const parsed = schema.safeParse(body);
      if (!parsed.success) throw new UpstreamBadResponseError(this.service, "unexpected shape", parsed.error);
      return parsed.data;
    }
    if (status === 404) throw new UpstreamNotFoundError(this.service, body);
    if (status >= 400 && status < 500) {
      if (NOT_RELAYED.has(status)) throw new UpstreamRejectedError(this.service, status);
      throw new UpstreamWriteRejectedError(this.service, status, body);
    }
    throw new UpstreamStatusError(this.service, status);
  }

  /** What an answer means: a 404, another 4xx, a 5xx, or a body that must match `schema`. */
  #answer<S extends z.ZodType>(status: number, body: unknown, schema: S): z.output<S> {
    if (status === 404) throw new UpstreamNotFoundError(this.service);
    if (status >= 500) throw new UpstreamStatusError(this.service, status);
    if (status >= 400) throw new UpstreamRejectedError(this.service, status);
    if (status < 200 || status >= 300) throw new UpstreamStatusError(this.service, status);
    const parsed = schema.safeParse(body);
    if (!parsed.success) {
      throw new UpstreamBadResponseError(this.service, "unexpected shape", parsed.error);
    }
    return parsed.data;
  }
}

/** A transport that can stream (HTTP; not AMQP or gRPC). */
type StreamingTransport = Transport & Required<Pick<Transport, "stream">>;

function canStream(transport: Transport): transport is StreamingTransport {
  return transport.stream !== undefined;
}

/** Why the attempt was told to stop (its timeout, or every caller gone). */
function reasonOf(ctx: PolicyContext): unknown {
  return ctx.cancellation === undefined ? ctx.signal.reason : ctx.cancellation.reason;
}
