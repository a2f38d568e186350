import { withIdentity } from "../context.js";
import { UnauthorizedError } from "../errors/index.js";
import type { Exchange } from "../http/exchange.js";
import type { Step } from "../http/route-table.js";
import type { TokenVerifier } from "./jwt-verifier.js";

const BEARER = /^Bearer ([A-Za-z0-9_-]+\.[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*)$/;

/**
 * Optional customer authentication: no `Authorization` header means an
 * anonymous caller; a header that is present but invalid is a 401, never a
 * silent anonymous.
 */
export function authenticate(verify: TokenVerifier): Step {
  return async function authenticate(exchange: Exchange): Promise<undefined> {
    const header = exchange.header("authorization");
    if (header === undefined) return undefined;
    const match = BEARER.exec(header.trim());
    // RFC 6750: a rejected bearer token says so in its challenge.
    if (match === null) {
      exchange.headers.push("WWW-Authenticate", 'Bearer realm="portico"');
      throw new UnauthorizedError("Authorization must be a Bearer JWT");
    }
    let identity: Awaited<ReturnType<TokenVerifier>>;
    try {
      identity = await verify(match[1] as string);
    } catch (error) {
      if (error instanceof UnauthorizedError) {
        exchange.headers.push("WWW-Authenticate", 'Bearer realm="portico", error="invalid_token"');
      }
      throw error;
    }
    exchange.ctx = withIdentity(exchange.ctx, identity);
    return undefined;
  };
}

/** For routes only a signed-in customer may call. */
export function requireCustomer(): Step {
  return function requireCustomer(exchange: Exchange): undefined {
    if (exchange.ctx.identity?.customerId === undefined) {
      exchange.headers.push("WWW-Authenticate", 'Bearer realm="portico"');
      throw new UnauthorizedError("Sign-in required");
    }
    return undefined;
  };
}
