import express, { type Express, type NextFunction, type Request, type Response } from "express";
import { requestContext } from "./context-middleware.js";
import { problemHandler } from "./problem.js";
import { notFound } from "./routes.js";

export interface GatewayAppOptions {
  requestDeadlineMs: number;
  /** Told of unexpected errors (bugs), for logging. */
  onUnexpectedError?: (error: unknown, req: Request) => void;
}

export interface GatewayApp {
  readonly app: Express;
  /** Adds the closing handlers (404, problem+json); call after mounting every route. */
  finish(): Express;
}

/**
 * An express app with what every BFF needs before its own routes: no
 * `X-Powered-By`, `nosniff`, the request context (id, deadline, trace,
 * abort on disconnect) and `GET /healthz`.
 */
export function createGatewayApp({ requestDeadlineMs, onUnexpectedError }: GatewayAppOptions): GatewayApp {
  const app = express();
  app.disable("x-powered-by");
  app.disable("etag");
  app.set("trust proxy", false);
  app.use(function securityHeaders(_req: Request, res: Response, next: NextFunction) {
    res.setHeader("X-Content-Type-Options", "nosniff");
    next();
  });
  app.use(requestContext({ deadlineMs: requestDeadlineMs }));
  app.get("/healthz", (_req, res) => {
    res.json({ status: "ok" });
  });
  return {
    app,
    finish() {
      app.use(notFound());
      app.use(problemHandler(onUnexpectedError ? { onUnexpected: onUnexpectedError } : {}));
      return app;
    },
  };
}
