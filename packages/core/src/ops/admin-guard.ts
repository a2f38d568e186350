import { createHash, timingSafeEqual } from "node:crypto";
import { UnauthorizedError } from "../errors/index.js";
import type { Step } from "../http/route-table.js";
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
 * Guards `/admin*` (an edge guard, so any method and any path under it):
 * with a token configured, a request needs `Authorization: Bearer <token>`,
 * else 401 problem+json with a `WWW-Authenticate` challenge. Tokens are
 * compared as SHA-256 digests in constant time, so neither their content
 * nor their length leaks by timing.
 */
export function adminGuard({ token, logger }: AdminGuardOptions): Step {
  const expected = token === undefined ? undefined : digest(token);
  return function adminGuard(exchange): undefined {
    if (expected === undefined) return undefined;
    const offered = BEARER.exec(exchange.header("authorization") ?? "")?.[1];
    if (offered !== undefined && timingSafeEqual(digest(offered), expected)) return undefined;
    logger?.warn(
      {
        requestId: exchange.ctx.requestId,
        path: exchange.path,
        credentials: offered === undefined ? "none" : "wrong",
      },
      "admin request refused",
    );
    exchange.headers.push("WWW-Authenticate", 'Bearer realm="portico-admin"');
    throw new UnauthorizedError("A valid admin token is required");
  };
}
