import type { NextFunction, Request, RequestHandler, Response } from "express";
import { withIdentity } from "../context.js";
import { UnauthorizedError } from "../errors/index.js";
import { contextOf, setContext } from "../http/context-middleware.js";
import type { TokenVerifier } from "./jwt-verifier.js";

const BEARER = /^Bearer ([A-Za-z0-9_-]+\.[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*)$/;

/**
 * Optional customer authentication: no `Authorization` header means an
 * anonymous caller; a header that is present but invalid is a 401, never a
 * silent anonymous.
 */
export function authenticate(verify: TokenVerifier): RequestHandler {
  return async function authenticate(req: Request, res: Response, next: NextFunction): Promise<void> {
    const header = req.get("authorization");
    if (header === undefined) return next();
    const match = BEARER.exec(header.trim());
    if (match === null) throw new UnauthorizedError("Authorization must be a Bearer JWT");
    const identity = await verify(match[1] as string);
    setContext(res, withIdentity(contextOf(res), identity));
    next();
  };
}

/** For routes only a signed-in customer may call. */
export function requireCustomer(): RequestHandler {
  return function requireCustomer(_req: Request, res: Response, next: NextFunction): void {
    if (contextOf(res).identity?.customerId === undefined) throw new UnauthorizedError("Sign-in required");
    next();
  };
}
