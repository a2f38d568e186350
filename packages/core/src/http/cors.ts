import type { NextFunction, Request, RequestHandler, Response } from "express";

export interface CorsOptions {
  /**
   * Origins allowed to call from a browser (`CORS_ORIGINS`), e.g.
   * `["https://shop.example"]`. Empty (the default): no CORS headers at all.
   */
  origins?: readonly string[];
  /** Methods a preflight may ask for; default `GET, HEAD`. */
  methods?: readonly string[];
  /** How long a browser may cache a preflight, in seconds; default 600. */
  maxAgeS?: number;
}

/** Request headers a Portico client may send cross-origin. */
const ALLOWED_HEADERS = "Authorization, Content-Type, X-API-Key, X-Request-Id, traceparent";
/** Response headers a browser script may read besides the CORS-safelisted ones. */
const EXPOSED_HEADERS =
  "X-Request-Id, Server-Timing, Retry-After, RateLimit-Limit, RateLimit-Remaining, RateLimit-Reset";

/** An origin as browsers send it: lower-case scheme and host, no default port, no trailing slash. */
export function normalizeOrigin(origin: string): string | undefined {
  try {
    const url = new URL(origin);
    if (url.protocol !== "http:" && url.protocol !== "https:") return undefined;
    return url.origin;
  } catch {
    return undefined;
  }
}

/** True when `origin` (the `Origin` header) is one of `allowed`; usable for WebSocket upgrades too. */
export function isAllowedOrigin(allowed: ReadonlySet<string>, origin: string | undefined): boolean {
  // "null" (sandboxed frames, file://) and anything malformed never match.
  return origin !== undefined && allowed.has(origin);
}

/**
 * CORS for one BFF from its configuration. An allowed `Origin` gets
 * `Access-Control-Allow-Origin` echoing it (never `*`, never credentials:
 * Portico's clients send bearer tokens and API keys, not cookies); any
 * other origin gets no CORS header at all, so the browser keeps the answer
 * from the script. A preflight from an allowed origin is answered 204 here;
 * one from any other origin goes on to the routes (405 or 404, no CORS).
 */
export function cors({
  origins = [],
  methods = ["GET", "HEAD"],
  maxAgeS = 600,
}: CorsOptions = {}): RequestHandler {
  const allowed = new Set(origins.map((origin) => normalizeOrigin(origin) ?? origin));
  const allowMethods = methods.join(", ");
  return function cors(req: Request, res: Response, next: NextFunction): void {
    if (allowed.size === 0) {
      next();
      return;
    }
    // The answer depends on Origin whether or not it is allowed: shared caches must key on it.
    res.vary("Origin");
    const origin = req.headers.origin;
    if (!isAllowedOrigin(allowed, origin)) {
      next();
      return;
    }
    res.setHeader("Access-Control-Allow-Origin", origin as string);
    if (req.method === "OPTIONS" && req.headers["access-control-request-method"] !== undefined) {
      res.setHeader("Access-Control-Allow-Methods", allowMethods);
      res.setHeader("Access-Control-Allow-Headers", ALLOWED_HEADERS);
      res.setHeader("Access-Control-Max-Age", String(maxAgeS));
      res.vary("Access-Control-Request-Method");
      res.vary("Access-Control-Request-Headers");
      res.status(204).end();
      return;
    }
    res.setHeader("Access-Control-Expose-Headers", EXPOSED_HEADERS);
    next();
  };
}
