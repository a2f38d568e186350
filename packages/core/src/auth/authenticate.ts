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
    // RFC 6750: a rejected bearer token says so in its challenge.
    if (match === null) {
      res.setHeader("WWW-Authenticate", 'Bearer realm="portico"');
      throw new UnauthorizedError("Authorization must be a Bearer JWT");
    }
    let identity: Awaited<ReturnType<TokenVerifier>>;
    try {
      identity = await verify(match[1] as string);
    } catch (error) {
      if (error instanceof UnauthorizedError) {
        res.setHeader("WWW-Authenticate", 'Bearer realm="portico", error="invalid_token"');
      }
      throw error;
    }
    setContext(res, withIdentity(contextOf(res), identity));
    next();
  };
}

/** For routes only a signed-in customer may call. */
export function requireCustomer(): RequestHandler {
  return function requireCustomer(_req: Request, res: Response, next: NextFunction): void {
    if (contextOf(res).identity?.customerId === undefined) {
      res.setHeader("WWW-Authenticate", 'Bearer realm="portico"');
      throw new UnauthorizedError("Sign-in required");
    }
    next();
  };
}
