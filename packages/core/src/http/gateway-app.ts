import express, { type Express, type Request, type Response } from "express";
import type { Gateway } from "../gateway.js";
import { observeRequests } from "../ops/request-observer.js";
import { mountOpsRoutes } from "../ops/routes.js";
import { requestContext } from "./context-middleware.js";
import { cors } from "./cors.js";
import { attachFastPath, FastPath } from "./fast-path.js";
import { requestLimits } from "./limits.js";
import { type LoadShedder, loadShedding } from "./load-shedding.js";
import { problemHandler } from "./problem.js";
import { responseHygiene } from "./response-hygiene.js";
import { mountRoutes, notFound } from "./routes.js";

/** The edge policies a BFF takes from its configuration; its `GatewayConfig` fits as is. */
export interface EdgeOptions {
  /** `CORS_ORIGINS`; default none (no CORS headers). */
  readonly corsOrigins?: readonly string[];
  /** `MAX_INFLIGHT`; default 1024. */
  readonly maxInflight?: number;
  /** `MAX_EVENT_LOOP_LAG_MS`; default 500, 0 is off. */
  readonly maxEventLoopLagMs?: number;
}

export interface GatewayAppOptions {
  requestDeadlineMs: number;
  /** Told of unexpected errors (bugs), for logging. */
  onUnexpectedError?: (error: unknown, req: Request) => void;
  /** CORS and load-shedding settings, usually `gateway.config`; defaults when absent. */
  edge?: EdgeOptions;
  /**
   * The gateway whose observability the app exposes: `/readyz`, `/metrics`,
   * `/admin*` (behind `ADMIN_TOKEN`), request metrics and one log line per
   * request. Without it the app has `/healthz` only.
   */
  gateway?: Gateway;
}

export interface GatewayApp {
  readonly app: Express;
  /** The load shedder in front of the routes (in-flight and shed counts, for metrics). */
  readonly load: LoadShedder;
  /** Adds the closing handlers (404, problem+json); call after mounting every route. */
  finish(): Express;
}

/** `GET /healthz`: the process is alive. */
function healthz(_req: Request, res: Response): void {
  res.json({ status: "ok" });
}

/**
 * An express app with what every BFF needs before its own routes, in this
 * order: security headers and the header guard (helmet, no `X-Powered-By`,
 * no upstream `Set-Cookie`/`Server`), the request context (id, deadline,
 * trace, abort on disconnect), `GET /healthz`, with `gateway` the ops
 * routes (`/readyz`, `/metrics`, `/admin*`) and request observation (see
 * docs/observability.md), CORS, load shedding (health and metrics paths
 * exempt), then input limits (URL, query, body). The health and ops
 * routes serve GET and HEAD; another method is a 405 with `Allow: GET, HEAD`.
 * See docs/hardening.md.
 */
export function createGatewayApp({
  requestDeadlineMs,
  onUnexpectedError,
  edge = {},
  gateway,
}: GatewayAppOptions): GatewayApp {
  const app = express();
  app.disable("x-powered-by");
  app.disable("etag");
  app.set("trust proxy", false);
  // First, so that every answer (shed, refused, 404) carries the security headers.
  app.use(responseHygiene());
  app.use(requestContext({ deadlineMs: requestDeadlineMs }));
  // Through the route table, so that another method is a 405 with `Allow`
  // (contract 6), and ahead of load shedding, so that it answers under load.
  mountRoutes(app, { "/healthz": { get: healthz } });
  const observability = gateway?.observability;
  if (observability !== undefined) {
    // Before load shedding: probes, scrapes and the dashboard must answer
    // under load, and are neither counted nor logged as client requests.
    mountOpsRoutes(app, { observability, adminToken: gateway?.config.adminToken });
    app.use(observeRequests(observability));
  }
  // CORS before shedding and limits: it costs a set lookup, and a browser can
  // then read every answer, a 503 with its Retry-After or a 413/414 included.
  app.use(cors({ origins: edge.corsOrigins ?? [] }));
  const load = loadShedding({ maxInflight: edge.maxInflight, maxEventLoopLagMs: edge.maxEventLoopLagMs });
  app.use(load.middleware);
  observability?.metrics.watchLoad(() => load);
  app.use(requestLimits());
  // Plain GETs of pass-through routes are answered ahead of all this (`mountRoutes`
  // adds them, `runBff` serves them first), with the same edge behaviour.
  attachFastPath(
    app,
    new FastPath({ requestDeadlineMs, load, observability, corsOrigins: edge.corsOrigins }),
  );
  return {
    app,
    load,
    finish() {
      app.use(notFound());
      const onUnexpected =
        onUnexpectedError ??
        (observability === undefined
          ? undefined
          : (error: unknown, req: Request) =>
              observability.logger.error({ err: error, path: req.path }, "unexpected error"));
      app.use(problemHandler(onUnexpected ? { onUnexpected } : {}));
      return app;
    },
  };
}
