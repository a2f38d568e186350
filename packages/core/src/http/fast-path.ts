import { setMaxListeners } from "node:events";
import type { IncomingMessage, OutgoingHttpHeader, RequestListener, ServerResponse } from "node:http";
import type { Express } from "express";
import { acceptRequestId, createRequestContext, type RequestContext } from "../context.js";
import { ClientClosedError, isGatewayError } from "../errors/index.js";
import type { GatewayObservability } from "../observability/gateway-observability.js";
import { countQueryParams, EDGE_LIMITS } from "./limits.js";
import type { LoadShedder } from "./load-shedding.js";
import { writeProblem } from "./problem.js";
import { API_SECURITY_HEADERS, API_SECURITY_HEADERS_FLAT } from "./response-hygiene.js";

/**
 * A GET route that can answer on node's own request and response, without
 * express. `accept` decides, without side effects, whether this request is
 * one it serves as is (`undefined`: let express answer it, e.g. with a 400);
 * `serve` then answers it. `headers` are the edge's headers for the answer
 * (security headers and `X-Request-Id`), flat, for one `writeHead`.
 */
export interface FastRoute<A = unknown> {
  accept(query: string): A | undefined;
  serve(
    ctx: RequestContext,
    accepted: A,
    req: IncomingMessage,
    res: ServerResponse,
    headers: OutgoingHttpHeader[],
  ): Promise<void>;
}

/** Marks a route handler that has a fast form (see `passThrough`). */
export const FAST_ROUTE = Symbol("portico.fastRoute");

export interface FastPathOptions {
  requestDeadlineMs: number;
  /** The same shedder the express app uses, so both paths share one in-flight count. */
  load: LoadShedder;
  observability?: GatewayObservability | undefined;
  /** With CORS origins configured every answer varies on `Origin`: the fast path stays off. */
  corsOrigins?: readonly string[] | undefined;
}

/**
 * The edge of a BFF for its fast routes, ahead of express. Profiles put
 * express and the edge middleware at about half the CPU of a pass-through
 * request (docs/performance.md), so the routes that only relay take this
 * path. It does what the express edge does for such a request: security
 * headers, request id, deadline, trace and abort on disconnect, the shared
 * load-shedding count, request metrics and the log line, and problem+json
 * for a failure. Anything out of the ordinary is left to express, which
 * answers it exactly as before: a method other than GET, a path that is
 * not exactly a fast route's, a URL or query beyond the limits, a body, an
 * `Origin` header (CORS), a query the route does not accept, and a request
 * the shedder would refuse.
 */
export class FastPath {
  readonly #routes = new Map<string, FastRoute>();
  readonly #options: FastPathOptions;

  constructor(options: FastPathOptions) {
    this.#options = options;
  }

  /** Adds a route; `path` is matched exactly (no parameters). */
  add(path: string, route: FastRoute): void {
    this.#routes.set(path, route);
  }

  get size(): number {
    return this.#routes.size;
  }

  /** `fallback` (the express app) answers every request the fast path leaves. */
  listener(fallback: RequestListener): RequestListener {
    if ((this.#options.corsOrigins?.length ?? 0) > 0) return fallback;
    return (req, res) => {
      if (!this.#tryServe(req, res)) fallback(req, res);
    };
  }

  #tryServe(req: IncomingMessage, res: ServerResponse): boolean {
    if (req.method !== "GET" || this.#routes.size === 0) return false;
    const url = req.url ?? "";
    const queryAt = url.indexOf("?");
    const path = queryAt === -1 ? url : url.slice(0, queryAt);
    const route = this.#routes.get(path);
    if (route === undefined || url.length > EDGE_LIMITS.maxUrlBytes) return false;
    const { headers } = req;
    if (headers.origin !== undefined || headers["transfer-encoding"] !== undefined) return false;
    const length = headers["content-length"];
    if (length !== undefined && length !== "0") return false;
    const query = queryAt === -1 ? "" : url.slice(queryAt + 1);
    if (countQueryParams(query) > EDGE_LIMITS.maxQueryParams) return false;
    const accepted = route.accept(query);
    if (accepted === undefined) return false;
    const { load, observability, requestDeadlineMs } = this.#options;
    if (!load.tryEnter()) return false;

    const started = performance.now();
    const controller = new AbortController();
    // Every upstream call of the request listens to this signal.
    setMaxListeners(0, controller.signal);
    const ctx = createRequestContext({
      requestId: acceptRequestId(headerOf(headers["x-request-id"])),
      deadlineMs: requestDeadlineMs,
      signal: controller.signal,
      traceparent: headerOf(headers.traceparent),
    });
    observability?.requestStarted();
    // 'close' follows every response, finished or aborted.
    res.once("close", () => {
      if (!res.writableFinished) controller.abort(new ClientClosedError());
      load.leave();
      observability?.recordRequest({
        method: "GET",
        route: path,
        path,
        status: res.writableFinished ? res.statusCode : 499,
        durationMs: performance.now() - started,
        requestId: ctx.requestId,
        traceId: ctx.trace.traceId,
        // What was sent: the relay writes it in its one writeHead, where getHeader cannot see it.
        serverTiming: ctx.timings.header(),
      });
    });
    const edgeHeaders: OutgoingHttpHeader[] = [...API_SECURITY_HEADERS_FLAT, "X-Request-Id", ctx.requestId];
    route.serve(ctx, accepted, req, res, edgeHeaders).catch((error: unknown) => {
      if (!isGatewayError(error)) {
        observability?.logger.error({ err: error, path }, "unexpected error");
      }
      if (!res.headersSent) {
        for (const [name, value] of API_SECURITY_HEADERS) res.setHeader(name, value);
        res.setHeader("X-Request-Id", ctx.requestId);
      }
      writeProblem(res, error, path, ctx);
    });
    return true;
  }
}

function headerOf(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

const FAST_PATH = Symbol("portico.fastPath");

/** Gives an express app its fast path (`createGatewayApp` does). */
export function attachFastPath(app: Express, fastPath: FastPath): void {
  (app as unknown as Record<symbol, FastPath>)[FAST_PATH] = fastPath;
}

/** The app's fast path, if `createGatewayApp` made the app. */
export function fastPathOf(app: Express): FastPath | undefined {
  return (app as unknown as Record<symbol, FastPath | undefined>)[FAST_PATH];
}

/** The request listener for a server: the app's fast routes first, then the app. */
export function withFastPath(app: Express): RequestListener {
  return fastPathOf(app)?.listener(app) ?? app;
}
