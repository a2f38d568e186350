import { createHash, timingSafeEqual } from "node:crypto";
import type { NextFunction, Request, RequestHandler, Response } from "express";
import type { RequestContext } from "../context.js";
import { UnauthorizedError } from "../errors/index.js";
import { sendProblem } from "../http/problem.js";
import type { Logger } from "../observability/logger.js";

const BEARER = /^Bearer[ \t]+([^\s]+)[ \t]*$/i;

const digest = (text: string) => createHash("sha256").update(text).digest();

export interface AdminGuardOptions {
  /** `ADMIN_TOKEN`; when unset, the admin pages are open. */
  token: string | undefined;
  /** Told of refused requests (never the token offered). */
  logger?: Logger;
}

/**
 * Guards `/admin*`: with a token configured, a request needs
 * `Authorization: Bearer <token>`, else 401 problem+json with a
 * `WWW-Authenticate` challenge. Tokens are compared as SHA-256 digests in
 * constant time, so neither their content nor their length leaks by timing.
 */
export function adminGuard({ token, logger }: AdminGuardOptions): RequestHandler {
  const expected = token === undefined ? undefined : digest(token);
  return function adminGuard(req: Request, res: Response, next: NextFunction): void {
    if (expected === undefined) {
      next();
      return;
    }
    const offered = BEARER.exec(req.get("authorization") ?? "")?.[1];
    if (offered !== undefined && timingSafeEqual(digest(offered), expected)) {
      next();
      return;
    }
    const ctx = res.locals.ctx as RequestContext | undefined;
    // Mounted under /admin: req.path is relative to it.
    const path = req.originalUrl.split("?")[0] ?? req.path;
    logger?.warn(
      { requestId: ctx?.requestId, path, credentials: offered === undefined ? "none" : "wrong" },
      "admin request refused",
    );
    res.setHeader("WWW-Authenticate", 'Bearer realm="portico-admin"');
    sendProblem(res, new UnauthorizedError("A valid admin token is required"), path, ctx);
  };
}
