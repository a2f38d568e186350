import type { RequestListener } from "node:http";
import express, { type Express, type Request } from "express";
import type { Gateway } from "../gateway.js";
import { mountOpsRoutes } from "../ops/routes.js";
import { json, NO_STORE } from "./answer.js";
import { Edge, type EdgeOptions } from "./edge.js";
import type { LoadShedder } from "./load-shedding.js";
import { problemHandler } from "./problem.js";
import type { RouteTableSpec } from "./route-table.js";
import { notFound } from "./routes.js";

export interface GatewayAppOptions {
  requestDeadlineMs: number;
  /** Told of unexpected errors (bugs), for logging. */
  onUnexpectedError?: (error: unknown, path: string) => void;
  /** CORS and load-shedding settings, usually `gateway.config`; defaults when absent. */
  edge?: EdgeOptions;
  /**
   * The gateway whose observability the app exposes: `/readyz`, `/metrics`,
   * `/admin*` (behind `ADMIN_TOKEN`), request metrics and one log line per
   * request, and its tracing when spans are exported. Without it the app
   * has `/healthz` only.
   */
  gateway?: Gateway;
}

export interface GatewayApp {
  /** The edge every request goes through. */
  readonly edge: Edge;
  /** Declares the BFF's routes; the edge answers them itself. */
  routes(spec: RouteTableSpec): void;
  /**
   * The express app for routes a team mounts beyond the table (`app.get(…)`):
   * the edge hands it whatever no declared route matches, with the edge's
   * headers set and the request's context in `res.locals` (`contextOf(res)`).
   */
  readonly app: Express;
  /** The load shedder in front of the routes (in-flight and shed counts, for metrics). */
  readonly load: LoadShedder;
  /** Closes the express app (its 404 and problem+json handlers); returns the server's request listener. */
  finish(): RequestListener;
}

/**
 * A BFF's edge with what every BFF has before its own routes: `GET
 * /healthz`, and with `gateway` the ops routes (`/readyz`, `/metrics`,
 * `/admin*`) and request observation (see docs/observability.md). See
 * `Edge` for the pipeline and docs/hardening.md for its limits.
 */
export function createGatewayApp({
  requestDeadlineMs,
  onUnexpectedError,
  edge: edgeOptions = {},
  gateway,
}: GatewayAppOptions): GatewayApp {
  const app = express();
  app.disable("x-powered-by");
  app.disable("etag");
  app.set("trust proxy", false);
  const observability = gateway?.observability;
  const edge = new Edge({
    requestDeadlineMs,
    edge: edgeOptions,
    observability,
    fallback: app,
    onUnexpectedError,
    // OTEL_EXPORTER_OTLP_ENDPOINT: a SERVER span per client request.
    tracer: gateway?.tracing?.requests,
  });
  edge.opsRoutes({ "/healthz": { get: () => HEALTHY } });
  if (observability !== undefined) {
    mountOpsRoutes(edge, { observability, adminToken: gateway?.config.adminToken });
    observability.metrics.watchLoad(() => edge.load);
  }
  return {
    edge,
    app,
    load: edge.load,
    routes: (spec) => edge.routes(spec),
    finish() {
      app.use(notFound());
      const onUnexpected =
        onUnexpectedError === undefined
          ? observability === undefined
            ? undefined
            : (error: unknown, req: Request) =>
                observability.logger.error({ err: error, path: req.path }, "unexpected error")
          : (error: unknown, req: Request) => onUnexpectedError(error, req.path);
      app.use(problemHandler(onUnexpected ? { onUnexpected } : {}));
      return edge.listener;
    },
  };
}

/** `GET /healthz`: the process is alive. */
const HEALTHY = json({ status: "ok" }, 200, NO_STORE);
