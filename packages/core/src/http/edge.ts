import type { IncomingMessage, OutgoingHttpHeader, RequestListener, Server, ServerResponse } from "node:http";
import type { Duplex } from "node:stream";
import { Cancellation } from "../cancellation.js";
import { acceptRequestId, createRequestContext, type RequestContext } from "../context.js";
import {
  ClientClosedError,
  ForbiddenOriginError,
  GatewayError,
  InvalidInputError,
  isGatewayError,
  OverloadedError,
  PayloadTooLargeError,
  UriTooLongError,
} from "../errors/index.js";
import { refuseUpgrade } from "../messaging/refuse-upgrade.js";
import { serveUpgradeAsRequest } from "../messaging/serve-upgrade-as-request.js";
import type { GatewayObservability } from "../observability/gateway-observability.js";
import { CompositionCapture } from "../ops/composition-capture.js";
import { type Answer, type FlatHeaders, problemAnswer } from "./answer.js";
import { AnswerWriter } from "./answer-writer.js";
import { CorsPolicy } from "./cors.js";
import { Exchange } from "./exchange.js";
import { countQueryParams, EDGE_LIMITS, hasBody, readBody } from "./limits.js";
import { type LoadShedder, loadShedding } from "./load-shedding.js";
import { problemOf } from "./problem.js";
import type { RequestSpan, RequestTracer } from "./request-tracer.js";
import {
  API_SECURITY_HEADERS,
  API_SECURITY_HEADERS_FLAT,
  PAGE_SECURITY_HEADERS,
  PAGE_SECURITY_HEADERS_FLAT,
  secureResponse,
} from "./response-hygiene.js";
import {
  type RouteHandler,
  type RouteMatch,
  RouteTable,
  type RouteTableSpec,
  type Step,
} from "./route-table.js";

/** The edge policies a BFF takes from its configuration; its `GatewayConfig` fits as is. */
export interface EdgeOptions {
  /** `CORS_ORIGINS`; default none (no CORS headers). */
  readonly corsOrigins?: readonly string[];
  /** `MAX_INFLIGHT`; default 1024. */
  readonly maxInflight?: number;
  /** `MAX_EVENT_LOOP_LAG_MS`; default 500, 0 is off. */
  readonly maxEventLoopLagMs?: number;
  /** `COMPRESSION`; default on. */
  readonly compression?: "on" | "off";
  /** `CLIENT_MAX_AGE_S`; default 0. */
  readonly clientMaxAgeS?: number;
}

export interface EdgeInit {
  /** `REQUEST_DEADLINE_MS`: every request's budget. */
  readonly requestDeadlineMs: number;
  readonly edge?: EdgeOptions | undefined;
  /** Counts, times and logs every client request (not the ops routes); none in some tests. */
  readonly observability?: GatewayObservability | undefined;
  /** Answers the requests no declared route matches: the express app with a team's own routes. */
  readonly fallback: RequestListener;
  /** Told of unexpected errors (bugs); default the observability's logger. */
  readonly onUnexpectedError?: ((error: unknown, path: string) => void) | undefined;
  /**
   * Opens a SERVER span per client request (not the ops routes) when spans
   * are exported (`OTEL_EXPORTER_OTLP_ENDPOINT`): the client's
   * `traceparent` is then continued by the SDK's propagator, not
   * `continueTrace`. Without it nothing is traced.
   */
  readonly tracer?: RequestTracer | undefined;
}

/** What a WebSocket endpoint gets once the edge let its handshake through. */
export interface UpgradeRequest {
  readonly req: IncomingMessage;
  readonly socket: Duplex;
  readonly head: Buffer;
  readonly requestId: string;
  /** The handshake's query. */
  readonly query: URLSearchParams;
  /** Refuses the handshake with a problem+json answer, then closes the socket. */
  refuse(error: GatewayError, headers?: Record<string, string>): void;
}

/** Takes a WebSocket handshake the edge let through: it accepts it, or refuses it with `refuse`. */
export type UpgradeHandler = (upgrade: UpgradeRequest) => void;

/** The route label of a request no route matched (404, or refused before routing). */
export const UNMATCHED_ROUTE = "unmatched";
const PAGE_PREFIX = "/admin";

/**
 * The one edge of a BFF: every request, whatever answers it, goes through
 * this pipeline once, over node's own request and response. In order:
 * request id, deadline, trace context and abort on disconnect (the
 * request's `RequestContext`); security headers; the guards of path
 * prefixes (`/admin*`: the admin token); the ops routes (health, readiness,
 * metrics, dashboard: never shed, counted or limited); then for the client
 * routes observation (metrics, the log line, the compositions), CORS,
 * load shedding, input limits (URL 414, query 400, body 413) and the
 * route: a declared one is answered here, anything else by the fallback
 * (express, with a team's own routes, then its 404).
 *
 * A declared route's steps return an `Answer`, which the edge writes with
 * one `writeHead` of a header list built from pre-built parts; an error
 * thrown by a step is answered as problem+json. WebSocket handshakes
 * (`upgrade`) get the same request id, load shedding and an `Origin` check.
 */
export class Edge {
  readonly load: LoadShedder;
  readonly listener: RequestListener;
  readonly #ops = new RouteTable();
  readonly #routes = new RouteTable();
  readonly #guards: { readonly prefix: string; readonly step: Step }[] = [];
  readonly #upgrades = new Map<string, UpgradeHandler>();
  readonly #cors: CorsPolicy;
  readonly #writer: AnswerWriter;
  readonly #deadlineMs: number;
  readonly #observability: GatewayObservability | undefined;
  readonly #fallback: RequestListener;
  readonly #onUnexpected: (error: unknown, path: string) => void;
  readonly #tracer: RequestTracer | undefined;

  constructor({
    requestDeadlineMs,
    edge = {},
    observability,
    fallback,
    onUnexpectedError,
    tracer,
  }: EdgeInit) {
    this.#deadlineMs = requestDeadlineMs;
    this.#observability = observability;
    this.#tracer = tracer;
    this.#fallback = fallback;
    this.#cors = new CorsPolicy({ origins: edge.corsOrigins ?? [] });
    this.#writer = new AnswerWriter({
      varyOnOrigin: this.#cors.active,
      compression: (edge.compression ?? "on") === "on",
      clientMaxAgeS: edge.clientMaxAgeS ?? 0,
    });
    this.load = loadShedding({ maxInflight: edge.maxInflight, maxEventLoopLagMs: edge.maxEventLoopLagMs });
    this.#onUnexpected =
      onUnexpectedError ??
      ((error, path) => observability?.logger.error({ err: error, path }, "unexpected error"));
    this.listener = (req, res) => this.#serve(req, res);
  }

  /** Declares client routes: observed, shed under load, input-limited, CORS applied. */
  routes(spec: RouteTableSpec): void {
    this.#routes.add(spec);
  }

  /** Declares ops routes (health, readiness, metrics, dashboard): they answer under any load, unobserved. */
  opsRoutes(spec: RouteTableSpec): void {
    this.#ops.add(spec);
  }

  /** Runs `step` first for every request under `prefix` (any method, any path, declared or not). */
  guard(prefix: string, step: Step): void {
    this.#guards.push({ prefix, step });
  }

  /** Declares a WebSocket endpoint on `path` (GET with `Upgrade: websocket`). */
  upgrade(path: string, handler: UpgradeHandler): void {
    this.#upgrades.set(path, handler);
  }

  /** Takes the server's upgrade requests (`runBff` calls it). */
  attach(server: Server): void {
    server.on("upgrade", (req: IncomingMessage, socket: Duplex, head: Buffer) =>
      this.#serveUpgrade(req, socket, head),
    );
  }

  #serve(req: IncomingMessage, res: ServerResponse): void {
    const url = originFormOf(req.url ?? "/");
    const queryAt = url.indexOf("?");
    const path = queryAt === -1 ? url : url.slice(0, queryAt);
    const rawQuery = queryAt === -1 ? "" : url.slice(queryAt + 1);
    const method = req.method ?? "GET";
    const page = path === PAGE_PREFIX || path.startsWith(`${PAGE_PREFIX}/`);
    const ops = this.#ops.match(path);
    const observability = ops === undefined ? this.#observability : undefined;
    const capture = observability === undefined ? undefined : new CompositionCapture();
    const started = performance.now();
    // The request's stop; a standard signal is made from it only if something reads `ctx.signal`.
    const cancellation = new Cancellation();
    const idHeader = req.headers["x-request-id"];
    // Traced, the SDK's propagator continues the client's traceparent: core's own parse is not needed.
    const tracer = ops === undefined ? this.#tracer : undefined;
    const traceparent = tracer === undefined ? req.headers.traceparent : undefined;
    let ctx = createRequestContext({
      requestId: acceptRequestId(Array.isArray(idHeader) ? idHeader[0] : idHeader),
      deadlineMs: this.#deadlineMs,
      cancellation,
      traceparent: Array.isArray(traceparent) ? traceparent[0] : traceparent,
      ...(capture === undefined ? {} : { compositions: capture }),
    });
    let span: RequestSpan | undefined;
    if (tracer !== undefined) {
      span = tracer.startRequest(ctx, req, method, path);
      ctx = span.ctx;
    }
    const flight: Flight = {
      req,
      res,
      method,
      path,
      rawQuery,
      ctx,
      security: page ? PAGE_SECURITY_HEADERS_FLAT : API_SECURITY_HEADERS_FLAT,
      cors: NONE,
      extra: NONE,
      route: UNMATCHED_ROUTE,
      entered: false,
    };
    // 'close' follows every response, finished or aborted.
    res.once("close", () => {
      if (!res.writableFinished) cancellation.abort(new ClientClosedError());
      if (flight.entered) this.load.leave();
      if (observability === undefined && span === undefined) return;
      const route = flight.route === UNMATCHED_ROUTE ? expressRouteOf(req) : flight.route;
      const status = res.writableFinished ? res.statusCode : 499;
      span?.end(route === UNMATCHED_ROUTE ? undefined : route, status);
      if (observability === undefined) return;
      observability.recordRequest({
        method,
        route,
        path,
        status,
        durationMs: performance.now() - started,
        requestId: flight.ctx.requestId,
        traceId: flight.ctx.trace.traceId,
        parts: capture?.parts,
        degraded: capture?.degraded,
        serverTiming: flight.ctx.timings.header(),
      });
    });
    observability?.requestStarted();

    for (const { prefix, step } of this.#guards) {
      if (path !== prefix && !path.startsWith(`${prefix}/`)) continue;
      const refused = this.#guarded(flight, step, ops);
      if (refused) return;
    }
    if (ops !== undefined) {
      this.#dispatch(flight, ops, undefined, undefined);
      return;
    }
    this.#serveClient(flight);
  }

  /** Runs a guard; true when it answered (or failed), so the request goes no further. */
  #guarded(flight: Flight, step: Step, ops: RouteMatch | undefined): boolean {
    const exchange = this.#exchangeOf(flight, ops, undefined, undefined);
    let answer: Answer | undefined | Promise<Answer | undefined>;
    try {
      answer = step(exchange);
    } catch (error) {
      this.#fail(flight, error, exchange.headers);
      return true;
    }
    if (answer instanceof Promise) {
      // A guard answers at once (the admin token); an async one is a bug, answered 500, never a crash.
      answer.catch(() => {});
      this.#fail(flight, new Error("edge guards must not be async"), exchange.headers);
      return true;
    }
    if (answer === undefined) return false;
    this.#write(flight, answer, exchange.headers);
    return true;
  }

  #serveClient(flight: Flight): void {
    const { req, method, path, rawQuery } = flight;
    if (this.#cors.active) {
      // A preflight carries its own CORS headers, not an answer's.
      const preflight = this.#cors.preflight(method, req.headers);
      if (preflight !== undefined) {
        this.#write(flight, preflight);
        return;
      }
      flight.cors = this.#cors.headersFor(req.headers.origin);
    }
    if (!this.load.tryEnter()) {
      this.#fail(flight, new OverloadedError());
      return;
    }
    flight.entered = true;
    let match: RouteMatch | undefined;
    try {
      // The raw target: latin1 from the parser, so one char is one byte.
      if ((req.url ?? "").length > EDGE_LIMITS.maxUrlBytes)
        throw new UriTooLongError(EDGE_LIMITS.maxUrlBytes);
      if (rawQuery !== "" && countQueryParams(rawQuery) > EDGE_LIMITS.maxQueryParams) {
        throw new InvalidInputError(`At most ${EDGE_LIMITS.maxQueryParams} query parameters are accepted`);
      }
      match = this.#routes.match(path);
    } catch (error) {
      this.#fail(flight, error);
      return;
    }
    if (!hasBody(req.headers)) {
      this.#dispatch(flight, match, undefined, undefined);
      return;
    }
    readBody(req, EDGE_LIMITS.maxBodyBytes).then(
      (body) => this.#safely(flight, () => this.#dispatch(flight, match, body, undefined)),
      (error: unknown) => {
        if (!(error instanceof PayloadTooLargeError)) {
          this.#safely(flight, () => this.#fail(flight, error));
          return;
        }
        // The rest of the body is never read: the connection closes after the answer.
        flight.extra = CONNECTION_CLOSE;
        this.#safely(flight, () => this.#dispatch(flight, match, undefined, error));
      },
    );
  }

  #dispatch(
    flight: Flight,
    match: RouteMatch | undefined,
    body: Buffer | undefined,
    refusal: PayloadTooLargeError | undefined,
  ): void {
    if (match === undefined) {
      if (refusal !== undefined) this.#fail(flight, refusal);
      else this.#toFallback(flight, body);
      return;
    }
    flight.route = match.entry.template;
    const handler = match.entry.methods.get(flight.method);
    if (handler === undefined) {
      if (refusal !== undefined) {
        this.#fail(flight, refusal);
        return;
      }
      flight.extra = [...flight.extra, "Allow", match.entry.allow];
      this.#fail(flight, new GatewayError("METHOD_NOT_ALLOWED", `${flight.method} is not served here`));
      return;
    }
    // A route without a body step refuses an oversized body before anything else runs.
    if (refusal !== undefined && !handler.readsBody) {
      this.#fail(flight, refusal);
      return;
    }
    const exchange = this.#exchangeOf(flight, match, body, refusal);
    runSteps(handler, exchange).then(
      (answer) => {
        flight.ctx = exchange.ctx;
        this.#safely(flight, () => this.#write(flight, answer, exchange.headers));
      },
      (error: unknown) => {
        flight.ctx = exchange.ctx;
        this.#safely(flight, () => this.#fail(flight, error, exchange.headers));
      },
    );
  }

  /**
   * Runs what answers a request from a promise's callback, where a throw
   * (node refusing a header value with a CR or LF that a route put in its
   * answer, a bug) would be an unhandled rejection, which ends the process:
   * the request gets a 500 instead, or its connection closes if the answer
   * had begun.
   */
  #safely(flight: Flight, answer: () => void): void {
    try {
      answer();
    } catch (error) {
      this.#onUnexpected(error, flight.path);
      const { res } = flight;
      if (res.headersSent || res.destroyed) {
        res.destroy();
        return;
      }
      try {
        this.#write(
          flight,
          problemAnswer(new GatewayError("INTERNAL", "Unexpected error"), flight.path, flight.ctx.requestId),
        );
      } catch {
        res.destroy();
      }
    }
  }

  #exchangeOf(
    flight: Flight,
    match: RouteMatch | undefined,
    body: Buffer | undefined,
    refusal: PayloadTooLargeError | undefined,
  ): Exchange {
    return new Exchange({
      req: flight.req,
      method: flight.method,
      path: flight.path,
      rawQuery: flight.rawQuery,
      route: match?.entry.template ?? UNMATCHED_ROUTE,
      params: match?.params ?? {},
      ctx: flight.ctx,
      body,
      bodyRefusal: refusal,
    });
  }

  /** What no declared route answers goes to express, with the edge's headers already on `res`. */
  #toFallback(flight: Flight, body: Buffer | undefined): void {
    const { req, res, ctx } = flight;
    secureResponse(
      res,
      flight.security === PAGE_SECURITY_HEADERS_FLAT ? PAGE_SECURITY_HEADERS : API_SECURITY_HEADERS,
    );
    res.setHeader("X-Request-Id", ctx.requestId);
    for (let i = 0; i < flight.cors.length; i += 2) {
      res.setHeader(String(flight.cors[i]), flight.cors[i + 1] as string);
    }
    if (this.#cors.active) res.setHeader("Vary", "Origin");
    // express's own request fields: its `req.body` (a Buffer, as read here) and the context `contextOf(res)` reads.
    (req as IncomingMessage & { body?: Buffer }).body = body;
    (res as ServerResponse & { locals?: Record<string, unknown> }).locals = { ctx };
    this.#fallback(req, res);
  }

  #fail(flight: Flight, error: unknown, headers: FlatHeaders = NONE): void {
    if (!isGatewayError(error)) this.#onUnexpected(error, flight.path);
    const answer = problemAnswer(error, flight.path, flight.ctx.requestId);
    if (answer.status === 499) {
      // Nobody is listening.
      flight.res.destroy();
      return;
    }
    this.#write(flight, answer, headers);
  }

  /** Writes `answer` behind the edge's headers (see `AnswerWriter`). */
  #write(flight: Flight, answer: Answer, stepHeaders: FlatHeaders = NONE): void {
    const { req, res, ctx } = flight;
    if (res.headersSent || res.destroyed) {
      // An answer already started (a stream that failed midway): all that is left is to end it.
      const body = answer.body;
      if (typeof body === "object" && body !== null && !Buffer.isBuffer(body)) {
        body.on("error", () => {});
        body.destroy();
      }
      if (!res.writableEnded) res.destroy();
      return;
    }
    const head: OutgoingHttpHeader[] = [...flight.security, "X-Request-Id", ctx.requestId];
    appendTo(head, flight.cors);
    appendTo(head, flight.extra);
    appendTo(head, stepHeaders);
    this.#writer.write({ req, res, method: flight.method, ctx, head }, answer);
  }

  #serveUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    socket.on("error", () => {});
    const url = originFormOf(req.url ?? "/");
    const queryAt = url.indexOf("?");
    const path = queryAt === -1 ? url : url.slice(0, queryAt);
    const idHeader = req.headers["x-request-id"];
    const requestId = acceptRequestId(Array.isArray(idHeader) ? idHeader[0] : idHeader);
    const handler = this.#upgrades.get(path);
    if (handler === undefined || req.headers.upgrade?.toLowerCase() !== "websocket") {
      // An upgrade nobody offers (e.g. `Upgrade: h2c`) is the plain request it also is.
      serveUpgradeAsRequest(this.listener, req, socket, head, requestId);
      return;
    }
    const refuse = (error: GatewayError, headers: Record<string, string> = {}) => {
      const all = { ...headers };
      if (error.retryAfterS !== undefined) all["Retry-After"] = String(error.retryAfterS);
      refuseUpgrade(socket, problemOf(error, path, requestId), { headers: all });
    };
    // A handshake is a request: refused when requests are. The socket it opens is bounded by its hub, not counted.
    if (!this.load.tryEnter()) {
      refuse(new OverloadedError());
      return;
    }
    this.load.leave();
    if (!this.#originAllowed(req)) {
      refuse(new ForbiddenOriginError());
      return;
    }
    if (req.method !== "GET") {
      refuse(new GatewayError("METHOD_NOT_ALLOWED", `${req.method ?? "?"} is not served here`), {
        Allow: "GET, HEAD",
      });
      return;
    }
    handler({ req, socket, head, requestId, query: new URLSearchParams(url.slice(path.length + 1)), refuse });
  }

  /**
   * Browsers do not apply CORS to WebSockets, so the edge checks `Origin`
   * itself: the BFF's own origin, or one of `CORS_ORIGINS`. A handshake
   * without `Origin` is not a browser page's and passes.
   */
  #originAllowed(req: IncomingMessage): boolean {
    const origin = req.headers.origin;
    if (origin === undefined || this.#cors.headersFor(origin).length > 0) return true;
    // Same origin: the page was served by this host (the scheme is the proxy's to know, so both count).
    const host = req.headers.host;
    return host !== undefined && (origin === `http://${host}` || origin === `https://${host}`);
  }
}

/** One request in the edge: what its answer is written with. */
interface Flight {
  readonly req: IncomingMessage;
  readonly res: ServerResponse;
  readonly method: string;
  readonly path: string;
  readonly rawQuery: string;
  ctx: RequestContext;
  readonly security: FlatHeaders;
  cors: FlatHeaders;
  extra: FlatHeaders;
  /** The matched route's template, for metrics. */
  route: string;
  /** Whether it holds a load-shedding slot. */
  entered: boolean;
}

const NONE: FlatHeaders = [];
const CONNECTION_CLOSE: FlatHeaders = ["Connection", "close"];

function runSteps({ steps }: RouteHandler, exchange: Exchange): Promise<Answer> {
  return stepsFrom(steps, 0, exchange);
}

/**
 * Runs `steps` from `first` until one answers: a step that answers at once
 * is not waited for, and one that answers later costs one `then`, not an
 * async frame (this runs for every request). A step that throws rejects.
 */
function stepsFrom(steps: readonly Step[], first: number, exchange: Exchange): Promise<Answer> {
  for (let i = first; i < steps.length; i++) {
    let result: Answer | undefined | Promise<Answer | undefined>;
    try {
      result = (steps[i] as Step)(exchange);
    } catch (error) {
      return Promise.reject(error);
    }
    if (result !== undefined && typeof (result as Partial<PromiseLike<unknown>>).then === "function") {
      const next = i + 1;
      // A native promise is taken as it is; a team's other thenable becomes one.
      return Promise.resolve(result).then((answer) => answer ?? stepsFrom(steps, next, exchange));
    }
    if (result !== undefined) return Promise.resolve(result as Answer);
  }
  return Promise.reject(new Error(`route ${exchange.route}: no step answered`));
}

const ABSOLUTE_FORM = /^[A-Za-z][A-Za-z0-9+.-]*:\/\/[^/?#]*/;

/**
 * The target in origin form (`/path?query`). A request may name the whole
 * URL (`GET http://host/path`, RFC 9112 3.2.2); the host in it is never
 * used: routes and upstreams are this BFF's own.
 */
function originFormOf(target: string): string {
  if (target.startsWith("/")) return target;
  const authority = ABSOLUTE_FORM.exec(target);
  if (authority === null) return target;
  const rest = target.slice(authority[0].length);
  return rest.startsWith("/") ? rest : `/${rest}`;
}

/** The template of the express route that answered (`req.route`, set by express's router), for metrics. */
function expressRouteOf(req: IncomingMessage): string {
  const { route, baseUrl } = req as IncomingMessage & { route?: { path?: unknown }; baseUrl?: string };
  return typeof route?.path === "string" ? `${baseUrl ?? ""}${route.path}` : UNMATCHED_ROUTE;
}

function appendTo(head: OutgoingHttpHeader[], headers: FlatHeaders): void {
  for (let i = 0; i < headers.length; i++) head.push(headers[i] as OutgoingHttpHeader);
}
