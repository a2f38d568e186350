import type { Express, NextFunction, Request, RequestHandler, Response } from "express";
import { GatewayError } from "../errors/index.js";
import { FAST_ROUTE, type FastRoute, fastPathOf } from "./fast-path.js";
import { bodyRefusalOf, refuseOversizedBody, takesBody } from "./limits.js";
import { sendProblem } from "./problem.js";

const refuseTooLarge = refuseOversizedBody();

type Method = "get" | "post" | "put" | "patch" | "delete";

/** Handlers of one path, by method. */
export type RouteMethods = Partial<Record<Method, RequestHandler | readonly RequestHandler[]>>;

/**
 * Mounts a route table. A path answers the methods it lists (GET also
 * answers HEAD) and 405 with `Allow` for the others. A pass-through GET
 * also joins the app's fast path (see `FastPath`). A route without a body
 * step (`jsonBody`) answers a body over the limit with 413 before its first
 * handler; one with a body step lets that step answer it, after the checks
 * before it (authentication).
 */
export function mountRoutes(app: Express, table: Readonly<Record<string, RouteMethods>>): void {
  for (const [path, methods] of Object.entries(table)) {
    const allowed = Object.keys(methods).map((method) => method.toUpperCase());
    if (allowed.includes("GET")) allowed.push("HEAD");
    for (const [method, handlers] of Object.entries(methods) as [Method, RouteMethods[Method]][]) {
      if (handlers === undefined) continue;
      const list: readonly RequestHandler[] = Array.isArray(handlers)
        ? handlers
        : [handlers as RequestHandler];
      app[method](path, ...(list.some(takesBody) ? list : [refuseTooLarge, ...list]));
    }
    // A GET with a fast form (a pass-through) and a path without parameters
    // is also answered ahead of express when the app has a fast path.
    const get = methods.get;
    const fast = typeof get === "function" ? (get as { [FAST_ROUTE]?: FastRoute })[FAST_ROUTE] : undefined;
    if (fast !== undefined && !/[:*(]/.test(path)) fastPathOf(app)?.add(path, fast);
    const allow = allowed.join(", ");
    app.all(path, function methodNotAllowed(req: Request, res: Response, _next: NextFunction) {
      const refusal = bodyRefusalOf(req);
      if (refusal !== undefined) throw refusal;
      res.setHeader("Allow", allow);
      sendProblem(res, new GatewayError("METHOD_NOT_ALLOWED", `${req.method} is not served here`), req.path);
    });
  }
}

/** The last route: any unknown path is a 404 problem. */
export function notFound(): RequestHandler {
  return function notFound(req: Request, res: Response) {
    const refusal = bodyRefusalOf(req);
    if (refusal !== undefined) throw refusal;
    sendProblem(res, new GatewayError("ROUTE_NOT_FOUND", "No such route"), req.path, res.locals.ctx);
  };
}
